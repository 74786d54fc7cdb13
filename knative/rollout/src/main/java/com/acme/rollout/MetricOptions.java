package com.acme.rollout;

import picocli.CommandLine.Option;

import java.time.Duration;

/** Where the metric gates read, over which window, and their thresholds (deploy and gates). */
final class MetricOptions {
    @Option(names = "--prometheus-url", defaultValue = "${env:PROMETHEUS_URL}",
            description = "Prometheus base URL for the metric gates (default: $PROMETHEUS_URL). Required: without "
                    + "it deploy refuses to start unless --skip-metric-gates is given.")
    String prometheusUrl;

    @Option(names = "--window", defaultValue = "2m", converter = DurationConverter.class,
            description = "Window of the metric gates, ending when they are evaluated (default: ${DEFAULT-VALUE}); "
                    + "keep it at least as long as deploy's --interval.")
    Duration window;

    @Option(names = "--min-requests", paramLabel = "N",
            description = "Request floor for every Service: judged requests (probes excluded) the candidate needs "
                    + "in the window before it is judged (default: the Service's annotation "
                    + ServiceSettings.MIN_REQUESTS + ", else " + ServiceSettings.DEFAULT_MIN_REQUESTS + ").")
    Integer minRequests;

    @Option(names = "--max-5xx-ratio", defaultValue = "0.01",
            description = "Largest share of 5xx answers (default: ${DEFAULT-VALUE}); while the stable revision has "
                    + "traffic: the stable revision's share plus this.")
    double maxServerErrorRatio;

    @Option(names = "--max-auth-failure-ratio", defaultValue = "0.05",
            description = "Largest share of 401/403 answers (default: ${DEFAULT-VALUE}); while the stable revision "
                    + "has traffic: the stable revision's share plus this.")
    double maxAuthFailureRatio;

    @Option(names = "--max-p95", defaultValue = "2s", converter = DurationConverter.class,
            description = "Largest p95 latency (default: ${DEFAULT-VALUE}), at 100%%, on a first deploy and without "
                    + "a split.")
    Duration maxP95;

    @Option(names = "--max-p95-ratio", defaultValue = "1.5",
            description = "While the stable revision has traffic, the candidate's p95 may be this many times the "
                    + "stable revision's (default: ${DEFAULT-VALUE}) or --p95-tolerance more, whichever is larger.")
    double maxP95Ratio;

    @Option(names = "--p95-tolerance", defaultValue = "100ms", converter = DurationConverter.class,
            description = "See --max-p95-ratio (default: ${DEFAULT-VALUE}).")
    Duration p95Tolerance;

    @Option(names = "--http-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "Timeout of each smoke or Prometheus request (default: ${DEFAULT-VALUE}).")
    Duration httpTimeout;

    MetricGate.Thresholds thresholds() {
        return new MetricGate.Thresholds(maxServerErrorRatio, maxAuthFailureRatio, maxP95, maxP95Ratio,
                p95Tolerance);
    }

    boolean hasPrometheus() {
        return prometheusUrl != null && !prometheusUrl.isBlank();
    }

    int floor(ServiceSettings settings) {
        return minRequests != null ? minRequests : settings.minRequests();
    }

    void check() {
        if (minRequests != null && minRequests < 1) {
            throw new RolloutException(ExitCode.USAGE, "--min-requests must be at least 1 (use --allow-no-traffic "
                    + "to deploy without evidence)");
        }
        if (window.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new RolloutException(ExitCode.USAGE, "--window must be at least 10s (two scrapes)");
        }
    }
}
