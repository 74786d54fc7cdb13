package com.acme.rollout;

import com.acme.integration.standardwebhooks.WebhookSigner;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.function.Function;

/**
 * The gates of a deploy: readiness GETs and signed smoke traffic through the candidate's tag URL, and the
 * metric gates, which hold a candidate below its request floor and re-check it until a deadline. Anything that
 * cannot be evaluated fails the gate.
 */
final class Gates {
    static final String SMOKE_SECRET_ENV = "ROLLOUT_SMOKE_SECRET";

    private final GateOptions options;
    private final MetricOptions metrics;
    private final PrintWriter out;
    private final HttpClient http;
    private final Clock clock;
    private final Function<String, String> env;
    private final MetricGate gate;
    private SmokeTraffic traffic;

    Gates(GateOptions options, MetricOptions metrics, PrintWriter out, Function<String, String> env, Clock clock) {
        this.options = options;
        this.metrics = metrics;
        this.out = out;
        this.env = env;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(metrics.httpTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.gate = options.skipMetricGates || !metrics.hasPrometheus() ? null
                : new MetricGate(new Prometheus(metrics.prometheusUrl, http, metrics.httpTimeout), GateQueries.load(),
                metrics.thresholds(), metrics.window);
        this.traffic = new SmokeTraffic(http, metrics.httpTimeout, options.smokeAttempts, null, clock);
    }

    /**
     * Refuses, before anything changes, what would make a gate impossible: no Prometheus without
     * --skip-metric-gates, no smoke secret for a Service that gets the webhook ping, bad thresholds.
     */
    void prepare(Collection<ServiceSettings> services) {
        metrics.check();
        if (gate == null && !options.skipMetricGates) {
            throw new RolloutException(ExitCode.USAGE, "no Prometheus for the metric gates: set --prometheus-url or "
                    + "$PROMETHEUS_URL (or pass --skip-metric-gates to deploy without them)");
        }
        if (options.skipMetricGates) {
            out.println("WARNING: --skip-metric-gates: no metric gate will judge the candidates");
        }
        if (options.allowNoTraffic) {
            out.println("WARNING: --allow-no-traffic: a candidate below its request floor is judged on what it has");
        }
        if (services.stream().anyMatch(s -> s.smoke() == SmokeCheck.WEBHOOK_PING)) {
            traffic = new SmokeTraffic(http, metrics.httpTimeout, options.smokeAttempts, signer(), clock);
        }
        out.flush();
    }

    private WebhookSigner signer() {
        String secret;
        String source;
        if (options.smokeSecretFile != null) {
            source = options.smokeSecretFile;
            try {
                secret = Files.readString(Path.of(options.smokeSecretFile));
            } catch (IOException e) {
                throw new RolloutException(ExitCode.USAGE, "cannot read --smoke-secret-file " + source + ": "
                        + Rollout.oneLine(e));
            }
        } else {
            source = "$" + SMOKE_SECRET_ENV;
            secret = env.apply(SMOKE_SECRET_ENV);
        }
        if (secret == null || secret.isBlank()) {
            throw new RolloutException(ExitCode.USAGE, "a Service gets the signed webhook ping ("
                    + ServiceSettings.SMOKE_CHECK + ": " + SmokeCheck.WEBHOOK_PING.annotation()
                    + ") but there is no smoke secret: give --smoke-secret-file or $" + SMOKE_SECRET_ENV);
        }
        try {
            return new WebhookSigner(secret);
        } catch (IllegalArgumentException e) {
            throw new RolloutException(ExitCode.USAGE, "smoke secret from " + source + ": " + e.getMessage());
        }
    }

    /** GETs the smoke paths, then sends the Service's signed smoke traffic: as many requests as its floor. */
    void smoke(String service, String revision, ServiceSettings settings, String baseUrl) {
        if (baseUrl == null) {
            throw new Knative.GateFailure(service + ": no tag URL in the service status: smoke check impossible");
        }
        String base = SmokeTraffic.trim(baseUrl);
        for (String path : options.smokePaths) {
            String url = base + (path.startsWith("/") ? path : "/" + path);
            String last = null;
            for (int attempt = 1; attempt <= Math.max(1, options.smokeAttempts); attempt++) {
                if (attempt > 1) {
                    Knative.sleep(Duration.ofSeconds(2));
                }
                try {
                    HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(metrics.httpTimeout).GET().build(), HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() / 100 == 2) {
                        last = null;
                        break;
                    }
                    last = "HTTP " + response.statusCode();
                } catch (IOException | IllegalArgumentException e) {
                    last = Rollout.oneLine(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Knative.GateFailure("interrupted during the smoke check");
                }
            }
            if (last != null) {
                throw new Knative.GateFailure(service + ": smoke check GET " + url + " failed: " + last);
            }
            out.printf("  %s: smoke GET %s ok%n", service, url);
            out.flush();
        }
        if (settings.smoke() != SmokeCheck.NONE) {
            int count = metrics.floor(settings);
            traffic.send(service, revision, settings.smoke(), base, count);
            out.printf("  %s: smoke %s x%d to %s ok%n", service, settings.smoke().annotation(), count, revision);
            out.flush();
        }
    }

    /**
     * Runs the metric gates until they pass, fail, or the candidate is still below its floor at the deadline.
     *
     * @param stable       the stable revision while it shares the traffic; null for absolute thresholds
     * @param whileHolding run before each re-check (the revision is still Ready, for example); throws to stop
     */
    void metrics(String namespace, String service, String candidate, String stable, ServiceSettings settings,
                 Runnable whileHolding) {
        if (gate == null) {
            out.printf("  %s: metric gates SKIPPED (--skip-metric-gates): %s was not judged on its metrics%n",
                    service, candidate);
            out.flush();
            return;
        }
        int floor = metrics.floor(settings);
        Instant deadline = clock.instant().plus(options.deadline);
        String held = null;
        while (true) {
            MetricGate.Verdict verdict = gate.evaluate(namespace, service, candidate, stable, floor,
                    options.allowNoTraffic);
            switch (verdict) {
                case MetricGate.Pass pass -> {
                    out.printf("  %s: %s%n", service, pass.reason());
                    out.flush();
                    return;
                }
                case MetricGate.Fail fail -> throw new Knative.GateFailure(service + ": " + fail.reason());
                case MetricGate.Hold hold -> {
                    if (!clock.instant().plus(options.recheck).isBefore(deadline)) {
                        throw new Knative.GateFailure(service + ": below the request floor after "
                                + DurationConverter.format(options.deadline) + ": " + hold.reason());
                    }
                    if (!hold.reason().equals(held)) {
                        out.printf("  %s: holding: %s; re-checking every %s until %s%n", service, hold.reason(),
                                DurationConverter.format(options.recheck), TIME.format(deadline));
                        out.flush();
                        held = hold.reason();
                    }
                    Knative.sleep(options.recheck);
                    whileHolding.run();
                }
            }
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
}
