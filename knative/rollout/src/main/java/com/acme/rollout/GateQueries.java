package com.acme.rollout;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The metric gates' PromQL, read from {@code gate-queries.properties} (knative/rollout/src/main/resources), the
 * one place that names the metrics and labels the gates depend on.
 */
final class GateQueries {
    static final String RESOURCE = "/gate-queries.properties";
    static final String REQUESTS = "requests";
    static final String SERVER_ERROR_RATIO = "server-error-ratio";
    static final String AUTH_FAILURE_RATIO = "auth-failure-ratio";
    static final String LATENCY_P95 = "latency-p95-seconds";
    static final List<String> NAMES = List.of(REQUESTS, SERVER_ERROR_RATIO, AUTH_FAILURE_RATIO, LATENCY_P95);

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private final Map<String, String> templates;

    private GateQueries(Map<String, String> templates) {
        this.templates = templates;
    }

    static GateQueries load() {
        Properties properties = new Properties();
        try (InputStream in = GateQueries.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> templates = new LinkedHashMap<>();
        for (String name : NAMES) {
            String template = properties.getProperty(name);
            if (template == null || template.isBlank()) {
                throw new IllegalStateException(RESOURCE + " has no query " + name);
            }
            templates.put(name, template.strip());
        }
        return new GateQueries(Map.copyOf(templates));
    }

    /** The query {@code name} for one revision over the window ending now. */
    String render(String name, String namespace, String service, String revision, Duration window) {
        String template = templates.get(name);
        if (template == null) {
            throw new IllegalArgumentException("no gate query " + name);
        }
        for (String value : List.of(namespace, service, revision)) {
            if (!DNS_LABEL.matcher(value).matches()) {
                throw new RolloutException(ExitCode.USAGE, "'" + value + "' is not a Kubernetes name");
            }
        }
        return template.replace("{namespace}", namespace).replace("{service}", service)
                .replace("{revision}", revision).replace("{window}", promDuration(window));
    }

    static String promDuration(Duration window) {
        return window.toMillis() % 1000 == 0 ? window.toSeconds() + "s" : window.toMillis() + "ms";
    }
}
