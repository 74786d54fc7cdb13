package com.acme.rollout;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * One evaluation of the metric gates for a candidate revision: the request floor, then the 5xx ratio, the
 * 401/403 ratio and p95 latency, compared with the stable revision over the same window while the stable
 * revision has at least the floor of requests itself, with absolute thresholds otherwise.
 */
final class MetricGate {

    /** Limits of the gates; the relative limits apply while the stable revision has traffic. */
    record Thresholds(double maxServerErrorRatio, double maxAuthFailureRatio, Duration maxP95, double maxP95Ratio,
                      Duration p95Tolerance) {
    }

    /** What one evaluation found. */
    sealed interface Verdict permits Pass, Hold, Fail {
        String reason();
    }

    /** The gates passed; {@code reason} is the line to print. */
    record Pass(String reason) implements Verdict {
    }

    /** Too few requests to judge yet: re-check later, fail at the deadline. */
    record Hold(String reason) implements Verdict {
    }

    record Fail(String reason) implements Verdict {
    }

    private final Prometheus prometheus;
    private final GateQueries queries;
    private final Thresholds thresholds;
    private final Duration window;

    MetricGate(Prometheus prometheus, GateQueries queries, Thresholds thresholds, Duration window) {
        this.prometheus = prometheus;
        this.queries = queries;
        this.thresholds = thresholds;
        this.window = window;
    }

    Duration window() {
        return window;
    }

    /**
     * @param stable the stable revision while it shares the traffic with the candidate; null at 100%, on a first
     *               deploy and without a split: absolute thresholds
     * @param floor  the minimum number of judged requests to the candidate in the window
     * @param allowNoTraffic pass a candidate below the floor on what it has (said in the verdict), instead of
     *               holding it
     */
    Verdict evaluate(String namespace, String service, String candidate, String stable, int floor,
                     boolean allowNoTraffic) {
        try {
            String over = " over " + GateQueries.promDuration(window);
            OptionalDouble requests = value(GateQueries.REQUESTS, namespace, service, candidate);
            double count = requests.orElse(0);
            if (count < floor) {
                String shortfall = requests.isEmpty()
                        ? "no request series for " + candidate + over + " (" + GateQueries.REQUESTS + ": "
                        + query(GateQueries.REQUESTS, namespace, service, candidate) + ")"
                        : candidate + " had " + number(count) + " of the " + floor + " requests it needs" + over;
                if (!allowNoTraffic) {
                    return new Hold(shortfall);
                }
                if (count == 0) {
                    return new Pass("metric gates NOT evaluated, allowed by --allow-no-traffic: " + shortfall);
                }
            }
            double errors = required(GateQueries.SERVER_ERROR_RATIO, namespace, service, candidate);
            double auth = required(GateQueries.AUTH_FAILURE_RATIO, namespace, service, candidate);
            double p95 = required(GateQueries.LATENCY_P95, namespace, service, candidate);

            double errorLimit = thresholds.maxServerErrorRatio();
            double authLimit = thresholds.maxAuthFailureRatio();
            double p95Limit = seconds(thresholds.maxP95());
            String basis = "absolute thresholds";
            if (stable != null) {
                OptionalDouble stableRequests = value(GateQueries.REQUESTS, namespace, service, stable);
                if (stableRequests.orElse(0) >= floor) {
                    double stableErrors = required(GateQueries.SERVER_ERROR_RATIO, namespace, service, stable);
                    double stableAuth = required(GateQueries.AUTH_FAILURE_RATIO, namespace, service, stable);
                    double stableP95 = required(GateQueries.LATENCY_P95, namespace, service, stable);
                    errorLimit = stableErrors + thresholds.maxServerErrorRatio();
                    authLimit = stableAuth + thresholds.maxAuthFailureRatio();
                    p95Limit = Math.max(stableP95 * thresholds.maxP95Ratio(),
                            stableP95 + seconds(thresholds.p95Tolerance()));
                    basis = "relative to " + stable + " (" + number(stableRequests.getAsDouble()) + " requests, 5xx "
                            + percent(stableErrors) + ", 401/403 " + percent(stableAuth) + ", p95 "
                            + secondsText(stableP95) + ")";
                } else {
                    basis = "absolute thresholds: " + stable + " had " + number(stableRequests.orElse(0))
                            + " requests" + over;
                }
            }
            String measured = candidate + over + ": " + number(count) + " requests (floor " + floor + "), 5xx "
                    + percent(errors) + " (max " + percent(errorLimit) + "), 401/403 " + percent(auth) + " (max "
                    + percent(authLimit) + "), p95 " + secondsText(p95) + " (max " + secondsText(p95Limit) + "); "
                    + basis + (count < floor ? "; below the floor, allowed by --allow-no-traffic" : "");
            StringBuilder failed = new StringBuilder();
            if (errors > errorLimit) {
                failed.append("5xx ratio ").append(percent(errors)).append(" > ").append(percent(errorLimit))
                        .append(" (").append(GateQueries.SERVER_ERROR_RATIO).append("); ");
            }
            if (auth > authLimit) {
                failed.append("401/403 ratio ").append(percent(auth)).append(" > ").append(percent(authLimit))
                        .append(" (").append(GateQueries.AUTH_FAILURE_RATIO).append("); ");
            }
            if (p95 > p95Limit) {
                failed.append("p95 ").append(secondsText(p95)).append(" > ").append(secondsText(p95Limit))
                        .append(" (").append(GateQueries.LATENCY_P95).append("); ");
            }
            if (!failed.isEmpty()) {
                return new Fail("metric gate failed: " + failed + measured);
            }
            return new Pass("metrics ok: " + measured);
        } catch (Knative.GateFailure e) {
            return new Fail("metric gate cannot be evaluated: " + e.getMessage());
        }
    }

    private OptionalDouble value(String name, String namespace, String service, String revision) {
        return prometheus.value(name + " of " + revision, query(name, namespace, service, revision));
    }

    private double required(String name, String namespace, String service, String revision) {
        String query = query(name, namespace, service, revision);
        OptionalDouble value = prometheus.value(name + " of " + revision, query);
        if (value.isEmpty()) {
            throw new Knative.GateFailure("no data for " + name + " of " + revision + ": " + query);
        }
        return value.getAsDouble();
    }

    private String query(String name, String namespace, String service, String revision) {
        return queries.render(name, namespace, service, revision, window);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.2f%%", ratio * 100);
    }

    static String secondsText(double seconds) {
        return String.format(Locale.ROOT, "%.3fs", seconds);
    }

    static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
