package com.acme.rollout;

import com.acme.integration.standardwebhooks.WebhookSigner;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The candidates' tag URLs and Prometheus, on one loopback port.
 * <ul>
 * <li>{@code GET /<revision>/...} answers 200 unless the revision is in {@link #failingRevisions}.</li>
 * <li>{@code POST /<revision>/orderWebhook} and {@code /orderStatusSync} play the functions' smoke contract: a
 * ping signed with {@link #SMOKE_SECRET} is answered 200 {"result":"pong"}, the smoke CloudEvent 202; anything
 * else, or a revision in {@link #unauthorizedRevisions}, 401/422.</li>
 * <li>{@code /api/v1/query} answers only the gate queries of gate-queries.properties, rendered exactly: the
 * requests of a revision are the smoke requests it answered (visible after {@link #scrapeLag}, as after a
 * scrape) plus {@link Metrics#otherRequests()}; the other values come from {@link #metrics}. Any other query is
 * answered 400, as Prometheus answers a bad query.</li>
 * </ul>
 */
final class TestHttpServer implements AutoCloseable {
    /** Test-only smoke secret. */
    static final String SMOKE_SECRET = "whsec_" + java.util.Base64.getEncoder()
            .encodeToString("rollout-tests-smoke-secret".getBytes(StandardCharsets.UTF_8));

    /** What Prometheus holds for a revision. */
    record Metrics(double otherRequests, double serverErrorRatio, double authFailureRatio, double p95Seconds) {
        static Metrics healthy() {
            return new Metrics(0, 0, 0, 0.05);
        }

        Metrics withRequests(double requests) {
            return new Metrics(requests, serverErrorRatio, authFailureRatio, p95Seconds);
        }
    }

    final Set<String> failingRevisions = ConcurrentHashMap.newKeySet();
    final Set<String> unauthorizedRevisions = ConcurrentHashMap.newKeySet();
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Gate queries answered, as "name revision". */
    final List<String> queries = new CopyOnWriteArrayList<>();
    final Map<String, Metrics> metrics = new ConcurrentHashMap<>();
    /** For revisions without an entry in {@link #metrics}; null: Prometheus has no series of them. */
    volatile Metrics defaultMetrics = Metrics.healthy();
    volatile Duration scrapeLag = Duration.ZERO;
    private final Map<String, List<Instant>> smokeAnswered = new ConcurrentHashMap<>();
    private final GateQueries gateQueries = GateQueries.load();
    private final HttpServer server;

    private static final Pattern LABELS = Pattern.compile(
            "namespace=\"([^\"]+)\",service=\"([^\"]+)\",revision=\"([^\"]+)\"");
    private static final Pattern WINDOW = Pattern.compile("\\[([0-9]+m?s)]");

    TestHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try {
                handle(exchange);
            } catch (RuntimeException e) {
                respond(exchange, 500, "text/plain", e.toString());
            }
        });
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        if (path.equals("/api/v1/query")) {
            prometheus(exchange);
            return;
        }
        String revision = path.split("/")[1];
        if (exchange.getRequestMethod().equals("POST")) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.endsWith("/orderWebhook")) {
                boolean ok = !unauthorizedRevisions.contains(revision) && signedPing(exchange, body);
                answered(revision, ok);
                respond(exchange, ok ? 200 : 401, "application/json", ok ? "{\"result\":\"pong\"}"
                        : "{\"status\":401,\"title\":\"Invalid webhook signature\"}");
            } else if (path.endsWith("/orderStatusSync")) {
                boolean ok = smokeEvent(exchange, body);
                answered(revision, ok);
                respond(exchange, ok ? 202 : 422, "application/json", ok ? "" : "{\"status\":422}");
            } else {
                respond(exchange, 404, "application/json", "{\"status\":404}");
            }
            return;
        }
        int status = failingRevisions.contains(revision) ? 503 : 200;
        respond(exchange, status, "application/json", status == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    private void answered(String revision, boolean ok) {
        if (ok) {
            smokeAnswered.computeIfAbsent(revision, r -> new CopyOnWriteArrayList<>()).add(Instant.now());
        }
    }

    /** Smoke requests a revision answered as the contract says. */
    int smokeCount(String revision) {
        return smokeAnswered.getOrDefault(revision, List.of()).size();
    }

    private static boolean signedPing(HttpExchange exchange, byte[] body) {
        String id = exchange.getRequestHeaders().getFirst("webhook-id");
        String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
        String signature = exchange.getRequestHeaders().getFirst("webhook-signature");
        if (id == null || timestamp == null || signature == null || !"application/json".equals(
                exchange.getRequestHeaders().getFirst("Content-Type"))) {
            return false;
        }
        long sent = Long.parseLong(timestamp);
        if (Math.abs(Instant.now().getEpochSecond() - sent) > 300
                || !new WebhookSigner(SMOKE_SECRET).sign(id, sent, body).equals(signature)) {
            return false;
        }
        JsonNode json = json(body);
        return json != null && "ping".equals(json.path("type").asText());
    }

    private static boolean smokeEvent(HttpExchange exchange, byte[] body) {
        JsonNode json = json(body);
        return "application/cloudevents+json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))
                && json != null && "1.0".equals(json.path("specversion").asText())
                && SmokeTraffic.SMOKE_EVENT_TYPE.equals(json.path("type").asText())
                && !json.path("id").asText().isEmpty() && !json.path("source").asText().isEmpty();
    }

    private static JsonNode json(byte[] body) {
        try {
            return Serialization.jsonMapper().readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private void prometheus(HttpExchange exchange) throws IOException {
        String raw = exchange.getRequestURI().getRawQuery();
        String query = raw == null || !raw.startsWith("query=") ? ""
                : URLDecoder.decode(raw.substring("query=".length()), StandardCharsets.UTF_8);
        Matcher labels = LABELS.matcher(query);
        Matcher window = WINDOW.matcher(query);
        String name = null;
        String revision = null;
        if (labels.find() && window.find()) {
            revision = labels.group(3);
            Duration duration = new DurationConverter().convert(window.group(1));
            for (String candidate : GateQueries.NAMES) {
                if (gateQueries.render(candidate, labels.group(1), labels.group(2), labels.group(3), duration)
                        .equals(query)) {
                    name = candidate;
                }
            }
        }
        if (name == null) {
            respond(exchange, 400, "application/json",
                    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"not a gate query\"}");
            return;
        }
        queries.add(name + " " + revision);
        Metrics m = metrics.getOrDefault(revision, defaultMetrics);
        String result = "";
        if (m != null) {
            Instant visible = Instant.now().minus(scrapeLag);
            long smoke = smokeAnswered.getOrDefault(revision, List.of()).stream().filter(t -> t.isBefore(visible))
                    .count();
            double value = switch (name) {
                case GateQueries.REQUESTS -> m.otherRequests() + smoke;
                case GateQueries.SERVER_ERROR_RATIO -> m.serverErrorRatio();
                case GateQueries.AUTH_FAILURE_RATIO -> m.authFailureRatio();
                default -> m.p95Seconds();
            };
            boolean noSeries = name.equals(GateQueries.REQUESTS) && m.otherRequests() + smoke == 0;
            result = noSeries ? "" : "{\"metric\":{},\"value\":[" + Instant.now().getEpochSecond() + ",\""
                    + (Double.isNaN(value) ? "NaN" : Double.toString(value)) + "\"]}";
        }
        respond(exchange, 200, "application/json",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + result + "]}}");
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
