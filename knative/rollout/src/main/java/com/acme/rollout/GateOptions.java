package com.acme.rollout;

import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** The gates run at every traffic step (and after a promotion). */
final class GateOptions {
    @Option(names = "--smoke-path", defaultValue = "/actuator/health/readiness", split = ",",
            description = "Paths GET through the candidate's tag URL; each must answer 2xx "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> smokePaths;

    @Option(names = "--smoke-attempts", defaultValue = "3",
            description = "Attempts per smoke path before the gate fails, 2s apart (default: ${DEFAULT-VALUE}).")
    int smokeAttempts;

    @Option(names = "--prometheus-url", defaultValue = "${env:PROMETHEUS_URL}",
            description = "Prometheus base URL for the metric gate (default: $PROMETHEUS_URL; no metric gate "
                    + "when empty).")
    String prometheusUrl;

    @Option(names = "--prometheus-query", defaultValue = Gates.DEFAULT_QUERY,
            description = "Instant query; {namespace}, {service} and {revision} are replaced. "
                    + "Default: the candidate's 5xx ratio over 1m, 0 when it had no request.")
    String prometheusQuery;

    @Option(names = "--max-value", defaultValue = "0.01",
            description = "The gate fails when the query's value is above this (default: ${DEFAULT-VALUE}). "
                    + "No sample, NaN or an unreachable Prometheus also fail (fail closed).")
    double maxValue;

    @Option(names = "--http-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "Timeout of each smoke or Prometheus request (default: ${DEFAULT-VALUE}).")
    Duration httpTimeout;
}
