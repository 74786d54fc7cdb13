package com.acme.rollout;

import com.acme.integration.standardwebhooks.WebhookSigner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Map;

/**
 * Real, signed requests through a candidate's tag URL, so that every candidate has requests to judge: the
 * contract of the functions' smoke endpoints (docs in knative/README.md, "Smoke traffic").
 */
final class SmokeTraffic {
    /** CloudEvent type that orderStatusSync validates and acknowledges without calling the ERP. */
    static final String SMOKE_EVENT_TYPE = "com.acme.integration.smoke.v1";
    static final String SMOKE_EVENT_SOURCE = "urn:acme:rollout";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http;
    private final Duration timeout;
    private final int attempts;
    private final WebhookSigner signer;
    private final Clock clock;

    /** @param signer signs the webhook pings with the smoke secret; null when no Service needs it */
    SmokeTraffic(HttpClient http, Duration timeout, int attempts, WebhookSigner signer, Clock clock) {
        this.http = http;
        this.timeout = timeout;
        this.attempts = Math.max(1, attempts);
        this.signer = signer;
        this.clock = clock;
    }

    /**
     * Sends {@code count} smoke requests of {@code check} to {@code baseUrl}; every one must be answered as the
     * contract says.
     *
     * @throws Knative.GateFailure naming the URL and the answer at the first one that is not
     */
    void send(String service, String revision, SmokeCheck check, String baseUrl, int count) {
        if (check == SmokeCheck.NONE) {
            return;
        }
        String url = trim(baseUrl) + check.path();
        for (int i = 0; i < count; i++) {
            Problem problem = null;
            for (int attempt = 1; attempt <= attempts; attempt++) {
                if (attempt > 1) {
                    Knative.sleep(Duration.ofSeconds(1));
                }
                problem = once(check, url);
                if (problem == null || !problem.transientFailure()) {
                    break;
                }
            }
            if (problem != null) {
                throw new Knative.GateFailure(service + ": smoke " + check.annotation() + " " + (i + 1) + "/" + count
                        + " to " + revision + " (POST " + url + ") failed: " + problem.reason());
            }
        }
    }

    /** A smoke request not answered as expected; a transient failure (no answer, 502/503/504) is tried again. */
    private record Problem(String reason, boolean transientFailure) {
    }

    private Problem once(SmokeCheck check, String url) {
        HttpRequest request = switch (check) {
            case WEBHOOK_PING -> ping(url);
            case STATUS_EVENT -> event(url);
            case NONE -> throw new IllegalArgumentException("no smoke request for " + check);
        };
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            return new Problem(Rollout.oneLine(e), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Knative.GateFailure("interrupted during the smoke check");
        }
        int status = response.statusCode();
        String answer = "HTTP " + status + body(response.body());
        if (status == 502 || status == 503 || status == 504) {
            return new Problem(answer, true);
        }
        return switch (check) {
            case WEBHOOK_PING -> status == 200 && "pong".equals(result(response.body())) ? null
                    : new Problem(answer + " (expected 200 {\"result\":\"pong\"})", false);
            case STATUS_EVENT -> status == 202 ? null : new Problem(answer + " (expected 202)", false);
            case NONE -> null;
        };
    }

    private HttpRequest ping(String url) {
        if (signer == null) {
            throw new IllegalStateException("no smoke secret for the webhook ping");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("type", "ping").put("timestamp", now.toString());
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        for (Map.Entry<String, String> header : signer.headers("msg_smoke_" + random(), now, bytes).entrySet()) {
            request.header(header.getKey(), header.getValue());
        }
        return request.build();
    }

    private HttpRequest event(String url) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("specversion", "1.0")
                .put("id", "smoke-" + random()).put("source", SMOKE_EVENT_SOURCE).put("type", SMOKE_EVENT_TYPE)
                .put("time", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        return HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/cloudevents+json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
    }

    private static String result(String body) {
        try {
            JsonNode json = Serialization.jsonMapper().readTree(body);
            return json == null ? null : json.path("result").asText(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String body(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.replaceAll("\\s+", " ").strip();
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "..." : line);
    }

    private static String random() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
