package com.acme.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP smoke checks and the Prometheus threshold. Anything that cannot be evaluated fails the gate. */
final class Gates {
    // The candidate's 5xx ratio. A candidate that had no request in the window (a quiet night, the
    // event-driven order-status-sync) gets 0 rather than no sample: it was already smoke-checked
    // through its tag URL, and failing closed on silence would roll back every quiet deploy. A
    // query that Prometheus cannot answer (error, unreachable, NaN) still fails closed.
    static final String DEFAULT_QUERY = "(sum(rate(revision_request_count{namespace_name=\"{namespace}\","
            + "revision_name=\"{revision}\",response_code_class=\"5xx\"}[1m])) or vector(0))"
            + " / (sum(rate(revision_request_count{namespace_name=\"{namespace}\","
            + "revision_name=\"{revision}\"}[1m])) > 0) or vector(0)";

    private final GateOptions options;
    private final PrintWriter out;
    private final HttpClient http;

    Gates(GateOptions options, PrintWriter out) {
        this.options = options;
        this.out = out;
        this.http = HttpClient.newBuilder().connectTimeout(options.httpTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    void smoke(String service, String baseUrl) {
        if (baseUrl == null) {
            throw new Knative.GateFailure(service + ": no tag URL in the service status: smoke check impossible");
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        for (String path : options.smokePaths) {
            String url = base + (path.startsWith("/") ? path : "/" + path);
            String last = null;
            for (int attempt = 1; attempt <= Math.max(1, options.smokeAttempts); attempt++) {
                if (attempt > 1) {
                    Knative.sleep(Duration.ofSeconds(2));
                }
                try {
                    HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(options.httpTimeout).GET().build(), HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() / 100 == 2) {
                        last = null;
                        break;
                    }
                    last = "HTTP " + response.statusCode();
                } catch (java.io.IOException | IllegalArgumentException e) {
                    last = Rollout.oneLine(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Knative.GateFailure("interrupted");
                }
            }
            if (last != null) {
                throw new Knative.GateFailure(service + ": smoke check GET " + url + " failed: " + last);
            }
            out.printf("  %s: smoke GET %s ok%n", service, url);
            out.flush();
        }
    }

    void metrics(String namespace, String service, String revision) {
        if (options.prometheusUrl == null || options.prometheusUrl.isBlank()) {
            return;
        }
        String query = options.prometheusQuery.replace("{namespace}", namespace).replace("{service}", service)
                .replace("{revision}", revision);
        String base = options.prometheusUrl.endsWith("/")
                ? options.prometheusUrl.substring(0, options.prometheusUrl.length() - 1) : options.prometheusUrl;
        double value;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                            + URLEncoder.encode(query, StandardCharsets.UTF_8))).timeout(options.httpTimeout).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new Knative.GateFailure(service + ": Prometheus answered HTTP " + response.statusCode()
                        + ": metric gate cannot be evaluated");
            }
            JsonNode body = Serialization.jsonMapper().readTree(response.body());
            JsonNode result = body.path("data").path("result");
            if (!"success".equals(body.path("status").asText()) || !result.isArray() || result.isEmpty()) {
                throw new Knative.GateFailure(service + ": Prometheus returned no sample for the gate query: "
                        + "metric gate cannot be evaluated");
            }
            value = Double.parseDouble(result.get(0).path("value").path(1).asText("NaN"));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new Knative.GateFailure(service + ": Prometheus unreachable (" + Rollout.oneLine(e)
                    + "): metric gate cannot be evaluated");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Knative.GateFailure("interrupted");
        }
        if (Double.isNaN(value) || value > options.maxValue) {
            throw new Knative.GateFailure(service + ": metric gate failed: " + value + " > " + options.maxValue);
        }
        out.printf("  %s: metric %s <= %s ok%n", service, value, options.maxValue);
        out.flush();
    }
}
