package com.acme.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalDouble;

/** Prometheus' instant query API. Anything but one finite sample or no sample at all is a gate failure. */
final class Prometheus {
    private final String base;
    private final HttpClient http;
    private final Duration timeout;

    Prometheus(String url, HttpClient http, Duration timeout) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.http = http;
        this.timeout = timeout;
    }

    String url() {
        return base;
    }

    /**
     * The value of an instant query that aggregates to one sample; empty when the query matched no series.
     *
     * @throws Knative.GateFailure on an error status, an unreachable Prometheus, several series or a value that
     *                             is not a finite number, with a reason naming the query
     */
    OptionalDouble value(String name, String query) {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                            + URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException | IllegalArgumentException e) {
            throw new Knative.GateFailure("Prometheus at " + base + " unreachable (" + Rollout.oneLine(e)
                    + ") for " + name + ": " + query);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Knative.GateFailure("interrupted while querying Prometheus");
        }
        JsonNode body;
        try {
            body = Serialization.jsonMapper().readTree(response.body());
        } catch (IOException | RuntimeException e) {
            body = null;
        }
        if (response.statusCode() != 200 || body == null || !"success".equals(body.path("status").asText())) {
            String error = body == null ? "" : body.path("error").asText("");
            throw new Knative.GateFailure("Prometheus answered HTTP " + response.statusCode()
                    + (error.isEmpty() ? "" : " (" + error + ")") + " to " + name + ": " + query);
        }
        JsonNode result = body.path("data").path("result");
        if (!"vector".equals(body.path("data").path("resultType").asText()) || !result.isArray()) {
            throw new Knative.GateFailure("Prometheus returned " + body.path("data").path("resultType").asText("nothing")
                    + ", not a vector, for " + name + ": " + query);
        }
        if (result.isEmpty()) {
            return OptionalDouble.empty();
        }
        if (result.size() > 1) {
            throw new Knative.GateFailure("Prometheus returned " + result.size() + " series, not one, for " + name
                    + ": " + query);
        }
        String text = result.get(0).path("value").path(1).asText("NaN");
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!Double.isFinite(value)) {
            throw new Knative.GateFailure(name + " is " + text + ", not a number: " + query);
        }
        return OptionalDouble.of(value);
    }
}
