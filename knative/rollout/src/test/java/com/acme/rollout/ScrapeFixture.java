package com.acme.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What Prometheus would have scraped from the functions' pods, as OpenMetrics with timestamps for
 * {@code promtool tsdb create-blocks-from openmetrics}: Spring Boot's http_server_requests_seconds histogram with
 * the labels and SLO buckets of a real scrape (src/test/resources/prometheus/functions-scrape.om), plus the labels
 * the PodMonitor adds. Each pod is scraped every 15 s from 10 s after it started; a series appears at the first
 * scrape after its first request, already counting everything since the pod started, as a Micrometer timer does.
 */
final class ScrapeFixture {
    static final String FAMILY = "http_server_requests_seconds";
    /** The SLO bounds of functions' application.yaml, as Micrometer renders them. */
    static final List<String> BUCKETS = List.of("0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0",
            "+Inf");
    /** Labels of the application's own series (a real scrape has exactly these). */
    static final List<String> APP_LABELS = List.of("error", "exception", "method", "outcome", "status", "uri");
    /** Labels the PodMonitor adds (knative/monitoring). */
    static final List<String> POD_MONITOR_LABELS = List.of("namespace", "service", "revision", "pod", "container",
            "instance", "job");
    static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(15);
    static final Duration FIRST_SCRAPE_AFTER = Duration.ofSeconds(10);

    private final Instant now;
    private final Instant until;
    private final List<Pod> pods = new ArrayList<>();

    /** Scrapes up to {@code now}; {@link #until(Duration)} adds scrapes Prometheus only shows once their time comes. */
    ScrapeFixture(Instant now) {
        this(now, now);
    }

    private ScrapeFixture(Instant now, Instant until) {
        this.now = now;
        this.until = until;
    }

    ScrapeFixture until(Duration later) {
        ScrapeFixture copy = new ScrapeFixture(now, now.plus(later));
        copy.pods.addAll(pods);
        return copy;
    }

    Instant now() {
        return now;
    }

    private record Request(Instant at, String method, String uri, int status, double seconds) {
    }

    /** One pod of a revision; started {@code startedAgo} before now. */
    final class Pod {
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final Instant started;
        private final List<Request> requests = new ArrayList<>();

        private Pod(String namespace, String service, String revision, String pod, Instant started) {
            labels.put("namespace", namespace);
            labels.put("service", service);
            labels.put("revision", revision);
            labels.put("pod", pod);
            labels.put("container", "functions");
            labels.put("instance", "10.0." + (pods.size() / 200) + "." + (pods.size() % 200 + 10) + ":8080");
            labels.put("job", namespace + "/functions");
            this.started = started;
        }

        /** {@code count} webhooks (POST /orderWebhook) answered {@code status} in {@code seconds}, spread over a span. */
        Pod answered(Duration fromAgo, Duration toAgo, int count, int status, double seconds) {
            Instant from = now.minus(fromAgo);
            long span = Duration.between(from, now.minus(toAgo)).toMillis();
            for (int i = 0; i < count; i++) {
                requests.add(new Request(from.plusMillis(count == 1 ? 0 : span * i / (count - 1)), "POST", "/orderWebhook",
                        status, seconds));
            }
            return this;
        }

        /** {@code count} calls at one moment, e.g. the smoke traffic right after the pod became Ready. */
        Pod answered(Duration ago, int count, int status, double seconds) {
            return answered(ago, ago, count, status, seconds);
        }

        /** Knative's readiness probe, every 5 s from the start: uri /actuator/health/**, never judged. */
        Pod probed() {
            for (Instant t = started.plusSeconds(1); !t.isAfter(until); t = t.plusSeconds(5)) {
                requests.add(new Request(t, "GET", "/actuator/health/**", 200, 0.004));
            }
            return this;
        }
    }

    Pod pod(String namespace, String service, String revision, String pod, Duration startedAgo) {
        Pod p = new Pod(namespace, service, revision, pod, now.minus(startedAgo));
        pods.add(p);
        return p;
    }

    String openMetrics() {
        StringBuilder out = new StringBuilder("# TYPE ").append(FAMILY).append(" histogram\n");
        for (Pod pod : pods) {
            Map<String, List<Request>> series = new LinkedHashMap<>();
            for (Request r : pod.requests) {
                series.computeIfAbsent(r.method() + " " + r.uri() + " " + r.status(), k -> new ArrayList<>()).add(r);
            }
            for (List<Request> calls : series.values()) {
                Request first = calls.getFirst();
                StringBuilder labels = new StringBuilder();
                labels.append("error=\"none\",exception=\"").append(first.status() >= 500 ? "IllegalStateException"
                                : "none").append("\",method=\"").append(first.method()).append("\",outcome=\"")
                        .append(outcome(first.status())).append("\",status=\"").append(first.status())
                        .append("\",uri=\"").append(first.uri()).append('"');
                pod.labels.forEach((k, v) -> labels.append(',').append(k).append("=\"").append(v).append('"'));
                Instant firstCall = calls.stream().map(Request::at).min(Instant::compareTo).orElseThrow();
                for (Instant t = pod.started.plus(FIRST_SCRAPE_AFTER); !t.isAfter(until); t = t.plus(SCRAPE_INTERVAL)) {
                    if (t.isBefore(firstCall)) {
                        continue;
                    }
                    Instant at = t;
                    List<Request> seen = calls.stream().filter(r -> !r.at().isAfter(at)).toList();
                    long timestamp = t.getEpochSecond();
                    for (String le : BUCKETS) {
                        double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                        out.append(FAMILY).append("_bucket{").append(labels).append(",le=\"").append(le).append("\"} ")
                                .append(seen.stream().filter(r -> r.seconds() <= bound).count()).append(' ')
                                .append(timestamp).append('\n');
                    }
                    out.append(FAMILY).append("_count{").append(labels).append("} ").append(seen.size()).append(' ')
                            .append(timestamp).append('\n');
                    out.append(FAMILY).append("_sum{").append(labels).append("} ")
                            .append(String.format(Locale.ROOT, "%.6f", seen.stream().mapToDouble(Request::seconds).sum()))
                            .append(' ').append(timestamp).append('\n');
                }
            }
        }
        return out.append("# EOF\n").toString();
    }

    private static String outcome(int status) {
        return switch (status / 100) {
            case 1 -> "INFORMATIONAL";
            case 2 -> "SUCCESS";
            case 3 -> "REDIRECTION";
            case 4 -> "CLIENT_ERROR";
            default -> "SERVER_ERROR";
        };
    }
}
