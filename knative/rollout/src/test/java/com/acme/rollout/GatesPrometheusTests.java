package com.acme.rollout;

import io.fabric8.kubernetes.client.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gate queries of gate-queries.properties against a real Prometheus (Debian's package) holding backfilled
 * series shaped like the functions' scrape: `rollout gates` black-box, and the hold-and-recheck of deploy.
 * Skipped where prometheus is not installed; with CI=true that fails instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatesPrometheusTests {
    static final String NS = "prod";
    static final String SVC = "order-webhook";

    PrometheusServer prometheus;
    ScrapeFixture fixture;

    @BeforeAll
    void backfillAndStart(@TempDir Path dir) throws Exception {
        fixture = new ScrapeFixture(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        Duration started = Duration.ofSeconds(100);
        Duration smoke = Duration.ofSeconds(95);
        Duration from = Duration.ofSeconds(80);
        Duration to = Duration.ofSeconds(5);
        // The stable revision: long-lived, about 1.7 requests per second, 40 ms.
        fixture.pod(NS, SVC, rev("s1"), "s1-a", Duration.ofMinutes(30)).probed()
                .answered(Duration.ofMinutes(29), to, 3000, 200, 0.04);
        // A stable revision with a 3% 5xx baseline, and one with two requests in the window.
        fixture.pod(NS, SVC, rev("serr"), "serr-a", Duration.ofMinutes(30))
                .answered(Duration.ofMinutes(29), to, 1940, 200, 0.04).answered(Duration.ofMinutes(29), to, 60, 500, 0.04);
        fixture.pod(NS, SVC, rev("squiet"), "squiet-a", Duration.ofMinutes(30))
                .answered(Duration.ofSeconds(60), Duration.ofSeconds(30), 2, 200, 0.04);
        // Candidates: 20 smoke requests right after start, before their pod's first scrape, then customers.
        fixture.pod(NS, SVC, rev("ok"), "ok-a", started).probed().answered(smoke, 20, 200, 0.02)
                .answered(from, to, 30, 200, 0.05);
        fixture.pod(NS, SVC, rev("born"), "born-a", Duration.ofSeconds(70)).probed()
                .answered(Duration.ofSeconds(65), 20, 200, 0.02);
        fixture.pod(NS, SVC, rev("e5xx"), "e5xx-a", started).answered(smoke, 20, 200, 0.02)
                .answered(from, to, 30, 200, 0.05).answered(from, to, 10, 500, 0.05);
        fixture.pod(NS, SVC, rev("a401"), "a401-a", started).answered(smoke, 20, 200, 0.02)
                .answered(from, to, 10, 200, 0.05).answered(from, to, 15, 401, 0.01);
        fixture.pod(NS, SVC, rev("slow"), "slow-a", started).answered(smoke, 20, 200, 0.02)
                .answered(from, to, 40, 200, 3.0);
        fixture.pod(NS, SVC, rev("emild"), "emild-a", started).answered(smoke, 20, 200, 0.02)
                .answered(from, to, 78, 200, 0.05).answered(from, to, 2, 500, 0.05);
        fixture.pod(NS, SVC, rev("few"), "few-a", started).probed().answered(smoke, 3, 200, 0.02);
        fixture.pod(NS, SVC, rev("probed"), "probed-a", started).probed();
        // Two pods of one revision: the gate sums them.
        fixture.pod(NS, SVC, rev("two"), "two-a", started).answered(smoke, 10, 200, 0.02);
        fixture.pod(NS, SVC, rev("two"), "two-b", Duration.ofSeconds(60)).answered(Duration.ofSeconds(55), 10, 200, 0.02);
        prometheus = PrometheusServer.start(dir, fixture.openMetrics());
    }

    @AfterAll
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    static String rev(String name) {
        return SVC + "-" + name;
    }

    Cli.Result gates(String candidate, String... more) {
        List<String> args = new ArrayList<>(List.of("gates", "-n", NS, "--service", SVC, "--candidate", candidate,
                "--prometheus-url", prometheus.url(), "--window", "5m", "--min-requests", "20"));
        args.addAll(List.of(more));
        // No cluster: --min-requests is given.
        return Cli.run(Config.empty(), Map.of(), args.toArray(String[]::new));
    }

    @Nested
    class Passing {
        @Test
        void aHealthyCandidatePassesAgainstTheStableRevision() {
            Cli.Result result = gates("ok", "--stable", "s1");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("metrics ok: order-webhook-ok over 300s: 50 requests (floor 20)",
                    "5xx 0.00%", "relative to order-webhook-s1");
        }

        @Test
        void aHealthyCandidatePassesTheAbsoluteThresholds() {
            Cli.Result result = gates("order-webhook-ok");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("50 requests", "p95 0.0", "(max 2.000s); absolute thresholds");
        }

        @Test
        void aNewRevisionKeepsTheSmokeRequestsItAnsweredBeforeItsFirstScrape() throws Exception {
            Cli.Result result = gates("born");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("order-webhook-born over 300s: 20 requests (floor 20)");
            // What increase() makes of the same series: the requests before the first scrape are lost.
            assertThat(prometheus.query("sum(increase(http_server_requests_seconds_count{revision=\""
                    + rev("born") + "\",uri!~\"/actuator/.*\"}[5m]))")).contains("\"0\"");
        }

        @Test
        void everyPodOfTheRevisionCounts() {
            Cli.Result result = gates("two");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("20 requests (floor 20)");
        }

        @Test
        void theStableRevisionsBaselineIsTolerated() {
            Cli.Result relative = gates("emild", "--stable", "serr");
            Cli.Result absolute = gates("emild");

            assertThat(relative.exitCode()).as(relative.all()).isZero();
            assertThat(relative.out()).containsPattern("5xx 2\\.00% \\(max 4\\.[0-9]{2}%\\)")
                    .contains("relative to order-webhook-serr");
            assertThat(absolute.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(absolute.err()).contains("5xx ratio 2.00% > 1.00%");
        }

        @Test
        void aStableRevisionBelowTheFloorIsNoBaseline() {
            Cli.Result result = gates("ok", "--stable", "squiet");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("absolute thresholds: order-webhook-squiet had 2 requests over 300s");
        }
    }

    @Nested
    class Failing {
        @Test
        void a5xxHeavyCandidateFails() {
            Cli.Result result = gates("e5xx", "--stable", "s1");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).hasLineCount(1).contains("metric gate failed: 5xx ratio 16.67% > 1.00% "
                    + "(server-error-ratio)", "60 requests");
        }

        @Test
        void a401HeavyCandidateFails() {
            Cli.Result result = gates("a401", "--stable", "s1");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("401/403 ratio 33.33% > 5.00% (auth-failure-ratio)");
        }

        @Test
        void aSlowCandidateFails() {
            Cli.Result result = gates("slow");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).containsPattern("p95 [2-5]\\.[0-9]{3}s > 2\\.000s \\(latency-p95-seconds\\)");
        }

        @Test
        void aCandidateBelowTheFloorHasNoVerdict() {
            Cli.Result result = gates("few");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("below the request floor",
                    "order-webhook-few had 3 of the 20 requests it needs over 300s");
        }

        @Test
        void probesAreNotEvidence() {
            Cli.Result result = gates("probed");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("no request series for order-webhook-probed");
        }

        @Test
        void noSeriesAtAllFailsNamingTheQuery() {
            Cli.Result result = gates("nope", "--stable", "s1");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).hasLineCount(1).contains("no request series for order-webhook-nope over 300s",
                    "(requests: sum(((last_over_time(http_server_requests_seconds_count{namespace=\"prod\","
                            + "service=\"order-webhook\",revision=\"order-webhook-nope\"");
        }

        @Test
        void anErrorStatusFailsTheGateNamingTheQuery() {
            Cli.Result result = gates("ok", "--prometheus-url", prometheus.url() + "/no-such-prefix");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).hasLineCount(1).contains("metric gate cannot be evaluated: Prometheus answered "
                    + "HTTP 404 to requests of order-webhook-ok: sum(");
        }

        @Test
        void aWindowShorterThanTwoScrapesIsRefused() {
            Cli.Result result = gates("ok", "--window", "5s");

            assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(result.err()).contains("--window must be at least 10s");
        }
    }

    /** The options deploy would have, parsed by picocli with their defaults. */
    @Command
    static final class Options {
        @Mixin
        GateOptions gates;
        @Mixin
        MetricOptions metrics;

        static Options parse(String... args) {
            Options options = new Options();
            new CommandLine(options).parseArgs(args);
            return options;
        }
    }

    @Nested
    class HoldingAndRechecking {
        @Test
        void aCandidateStillBelowItsFloorAtTheDeadlineFails() {
            Options options = Options.parse("--prometheus-url", prometheus.url(), "--window", "5m",
                    "--gate-deadline", "2s", "--gate-recheck", "500ms");
            StringWriter out = new StringWriter();
            Gates gates = new Gates(options.gates, options.metrics, new PrintWriter(out, true), name -> null,
                    Clock.systemUTC());

            assertThatThrownBy(() -> gates.metrics(NS, SVC, rev("few"), null, new ServiceSettings(SmokeCheck.NONE, 20),
                    () -> { }))
                    .isInstanceOf(Knative.GateFailure.class)
                    .hasMessageContaining("below the request floor after 2s: order-webhook-few had 3 of the 20");
            assertThat(out.toString()).contains("holding: order-webhook-few had 3 of the 20 requests",
                    "re-checking every 500ms");
        }

        @Test
        void aCandidateBelowItsFloorHoldsUntilTheScrapeShowsEnough(@TempDir Path dir) throws Exception {
            // Requests answered 5 s from now, scraped 10 s from now: Prometheus shows them when their time comes.
            ScrapeFixture later = new ScrapeFixture(Instant.now().truncatedTo(ChronoUnit.SECONDS));
            later.pod(NS, SVC, rev("late"), "late-a", Duration.ofSeconds(30)).answered(Duration.ofSeconds(25), 3, 200, 0.02)
                    .answered(Duration.ofSeconds(-5), 30, 200, 0.05);
            try (PrometheusServer own = PrometheusServer.start(dir, later.until(Duration.ofSeconds(40)).openMetrics())) {
                Options options = Options.parse("--prometheus-url", own.url(), "--window", "5m",
                        "--gate-deadline", "60s", "--gate-recheck", "500ms");
                StringWriter out = new StringWriter();
                Gates gates = new Gates(options.gates, options.metrics, new PrintWriter(out, true), name -> null,
                        Clock.systemUTC());
                List<Instant> rechecks = new ArrayList<>();

                gates.metrics(NS, SVC, rev("late"), null, new ServiceSettings(SmokeCheck.NONE, 20),
                        () -> rechecks.add(Instant.now()));

                assertThat(out.toString()).contains("holding: order-webhook-late had 3 of the 20 requests",
                        "metrics ok: order-webhook-late over 300s: 33 requests");
                assertThat(rechecks).isNotEmpty();
                assertThat(Instant.now()).isAfter(later.now().plusSeconds(10));
            }
        }
    }

    @Test
    void anEmptyPrometheusFailsTheGateNamingTheMissingData(@TempDir Path dir) throws Exception {
        try (PrometheusServer empty = PrometheusServer.start(dir, null)) {
            Cli.Result result = Cli.run(Config.empty(), Map.of(), "gates", "-n", NS, "--service", SVC,
                    "--candidate", "v2", "--stable", "v1", "--prometheus-url", empty.url(), "--min-requests", "20");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).hasLineCount(1).contains("no request series for order-webhook-v2 over 120s",
                    "requests: sum(");
        }
    }
}
