package com.acme.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Between the CLI and fabric8's mock API server: forwards every request, except those a rule matches, which get a
 * fault: 500, 409, no answer at all (a timeout), an answer only after the client gave up although the change was
 * made, or someone else's change made just before the CLI's reaches the server.
 */
final class FaultyApiServer implements AutoCloseable {
    enum Fault { INTERNAL_ERROR, CONFLICT, TIMEOUT, APPLIED_BUT_TIMED_OUT, SOMEONE_ELSE_FIRST }

    /** A request as the proxy sees it; {@code body} parsed when it is JSON. */
    record Request(String method, String path, JsonNode body) {
        boolean patchOf(String service) {
            return method.equals("PATCH") && path.endsWith("/services/" + service);
        }

        /** A JSON Patch op, null when the patch has none for that path. */
        JsonNode op(String op, String path) {
            if (body == null || !body.isArray()) {
                return null;
            }
            for (JsonNode node : body) {
                if (node.path("op").asText().equals(op) && node.path("path").asText().equals(path)) {
                    return node;
                }
            }
            return null;
        }

        /** Does this patch set spec.traffic with {@code percent} for {@code revision}? */
        boolean sets(String revision, long percent) {
            JsonNode traffic = op("add", "/spec/traffic");
            if (traffic == null) {
                return false;
            }
            for (JsonNode target : traffic.path("value")) {
                if (target.path("revisionName").asText().equals(revision) && target.path("percent").asLong() == percent) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Rule(Predicate<Request> when, Fault fault, boolean always, Runnable before) {
    }

    /** The faults injected so far, as "FAULT METHOD path". */
    final List<String> injected = new CopyOnWriteArrayList<>();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final String upstream;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Longer than the CLI client's request timeout (Cli.config): the client gives up first. */
    private final Duration stall = Duration.ofSeconds(4);

    FaultyApiServer(String upstream) throws IOException {
        this.upstream = upstream.endsWith("/") ? upstream.substring(0, upstream.length() - 1) : upstream;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every matching request from now on gets the fault. */
    FaultyApiServer always(Predicate<Request> when, Fault fault) {
        rules.add(new Rule(when, fault, true, null));
        return this;
    }

    /** The first matching request gets the fault. */
    FaultyApiServer once(Predicate<Request> when, Fault fault) {
        rules.add(new Rule(when, fault, false, null));
        return this;
    }

    /** Runs {@code change} (someone else's write) just before the first matching request is forwarded. */
    FaultyApiServer someoneElseFirst(Predicate<Request> when, Runnable change) {
        rules.add(new Rule(when, Fault.SOMEONE_ELSE_FIRST, false, change));
        return this;
    }

    void clear() {
        rules.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getRawPath();
        JsonNode json = null;
        if (body.length > 0) {
            try {
                json = Serialization.jsonMapper().readTree(body);
            } catch (IOException e) {
                json = null;
            }
        }
        Request request = new Request(exchange.getRequestMethod(), path, json);
        Rule rule = rules.stream().filter(r -> r.when().test(request)).findFirst().orElse(null);
        if (rule != null && !rule.always()) {
            rules.remove(rule);
        }
        if (rule != null) {
            injected.add(rule.fault() + " " + request.method() + " " + path);
        }
        try {
            if (rule != null) {
                switch (rule.fault()) {
                    case INTERNAL_ERROR -> {
                        status(exchange, 500, "InternalError", "etcdserver: request timed out");
                        return;
                    }
                    case CONFLICT -> {
                        status(exchange, 409, "Conflict", "Operation cannot be fulfilled: the object has been "
                                + "modified; please apply your changes to the latest version and try again");
                        return;
                    }
                    case TIMEOUT -> {
                        Thread.sleep(stall);
                        status(exchange, 504, "Timeout", "too late");
                        return;
                    }
                    case SOMEONE_ELSE_FIRST -> rule.before().run();
                    case APPLIED_BUT_TIMED_OUT -> {
                    }
                }
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (String header : Set.of("Content-Type", "Accept")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    forward.header(header, value);
                }
            }
            HttpResponse<byte[]> response = http.send(forward.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (rule != null && rule.fault() == Fault.APPLIED_BUT_TIMED_OUT) {
                Thread.sleep(stall);
            }
            exchange.getResponseHeaders().set("Content-Type",
                    response.headers().firstValue("Content-Type").orElse("application/json"));
            send(exchange, response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The mock did not answer (a failed JSON Patch test leaves the request hanging) or the client left.
            exchange.close();
        }
    }

    private static void status(HttpExchange exchange, int code, String reason, String message) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, code, ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + code
                + ",\"reason\":\"" + reason + "\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int code, byte[] body) throws IOException {
        try {
            exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
