package com.acme.rollout;

import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** The gates deploy runs before the first step and after each step. */
final class GateOptions {
    @Option(names = "--smoke-path", defaultValue = "/actuator/health/readiness", split = ",",
            description = "Paths GET through the candidate's tag URL; each must answer 2xx "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> smokePaths;

    @Option(names = "--smoke-attempts", defaultValue = "3",
            description = "Attempts per smoke request when there is no answer or a 502/503/504 (cold start), "
                    + "before the gate fails (default: ${DEFAULT-VALUE}).")
    int smokeAttempts;

    @Option(names = "--smoke-secret-file", paramLabel = "FILE",
            description = "File holding the smoke signing secret (whsec_...) for the Services whose "
                    + ServiceSettings.SMOKE_CHECK + " is webhook-ping (default: $ROLLOUT_SMOKE_SECRET).")
    String smokeSecretFile;

    @Option(names = "--gate-deadline", defaultValue = "5m", converter = DurationConverter.class,
            description = "How long a candidate below its request floor holds the step and is re-checked before the "
                    + "gate fails (default: ${DEFAULT-VALUE}).")
    Duration deadline;

    @Option(names = "--gate-recheck", defaultValue = "15s", converter = DurationConverter.class,
            description = "Interval of those re-checks (default: ${DEFAULT-VALUE}); about one scrape interval.")
    Duration recheck;

    @Option(names = "--allow-no-traffic",
            description = "Emergencies only, logged at every gate: a candidate below its request floor is judged on "
                    + "what it has (or not at all without a request) instead of holding. deploy:prod never "
                    + "passes it.")
    boolean allowNoTraffic;

    @Option(names = "--skip-metric-gates",
            description = "Deploy without the metric gates (no Prometheus), logged at every gate; readiness and "
                    + "smoke checks still run. deploy:prod never passes it.")
    boolean skipMetricGates;
}
