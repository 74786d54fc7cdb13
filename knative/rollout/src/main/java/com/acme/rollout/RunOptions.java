package com.acme.rollout;

import picocli.CommandLine.Option;

import java.time.Duration;

/** How long to wait for Knative, and how often to look. */
final class RunOptions {
    @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class,
            description = "Longest wait for a revision to become Ready or for traffic to be routed "
                    + "(default: ${DEFAULT-VALUE}); a timeout fails the gate.")
    Duration timeout;

    @Option(names = "--poll-interval", defaultValue = "2s", converter = DurationConverter.class,
            description = "How often the cluster is polled while waiting (default: ${DEFAULT-VALUE}).")
    Duration poll;
}
