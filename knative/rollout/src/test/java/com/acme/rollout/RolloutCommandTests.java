package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Black-box runs of the CLI against fabric8's CRUD mock API server, with {@link KnativeStandIn} playing the Knative
 * controllers and {@link TestHttpServer} answering the tag URLs (the functions' smoke contract) and the gate
 * queries.
 */
@EnableKubernetesMockClient(crud = true)
class RolloutCommandTests {
    static final String NS = "order-integration-test";

    KubernetesClient client;
    KnativeClient knative;
    KnativeStandIn standIn;
    TestHttpServer http;
    Map<String, String> env;

    @BeforeEach
    void startStandIns() throws Exception {
        knative = client.adapt(KnativeClient.class);
        http = new TestHttpServer();
        standIn = new KnativeStandIn(client, NS, http.base());
        env = new HashMap<>(Cli.ENV);
    }

    @AfterEach
    void stopStandIns() throws Exception {
        standIn.close();
        http.close();
        assertThat(standIn.lastError()).as("stand-in errors").isNull();
    }

    Cli.Result run(String... args) {
        Config config = Cli.config(client.getConfiguration(), client.getConfiguration().getMasterUrl());
        return Cli.run(config, env, args);
    }

    /** deploy with fast waits, no soak time and the gates on the stand-in, plus the given arguments. */
    Cli.Result deploy(String version, String... more) {
        List<String> args = new ArrayList<>(List.of("deploy", "-n", NS, "--image", "registry.example/functions:"
                + version, "--app-version", version, "--manifest", Cli.manifest(), "--interval", "0s",
                "--poll-interval", "50ms", "--timeout", "30s", "--smoke-attempts", "1",
                "--prometheus-url", http.base(), "--gate-recheck", "100ms", "--gate-deadline", "5s"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    Service service(String name) {
        return knative.services().inNamespace(NS).withName(name).get();
    }

    List<String> traffic(String name) {
        return Traffic.of(service(name)).stream()
                .map(t -> t.getRevisionName() + "=" + t.getPercent() + "%" + (t.getTag() == null ? "" : ":" + t.getTag()))
                .toList();
    }

    Map<String, String> annotations(String revision) {
        Revision r = knative.revisions().inNamespace(NS).withName(revision).get();
        return r.getMetadata().getAnnotations() == null ? Map.of() : r.getMetadata().getAnnotations();
    }

    /** Runs {@code action} a little later, off the stand-in's thread: once the CLI has seen the step routed. */
    static void later(Runnable action) {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            action.run();
        });
    }

    Map<String, String> serviceAnnotations(String name) {
        Map<String, String> annotations = service(name).getMetadata().getAnnotations();
        return annotations == null ? Map.of() : annotations;
    }

    @Nested
    class Deploying {
        @Test
        void firstDeployCreatesEveryServiceAndItsSettingsAndProtectsTheRevision() {
            Cli.Result result = deploy("v1", "--steps", "100");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(service("order-webhook").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .isEqualTo("registry.example/functions:v1");
            assertThat(annotations("order-webhook-v1")).containsEntry(Knative.NO_GC, "true");
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.STABLE, "order-webhook-v1")
                    .containsEntry(ServiceSettings.SMOKE_CHECK, "webhook-ping").doesNotContainKey(Knative.CANDIDATE);
            assertThat(client.configMaps().inNamespace(NS).withName("order-integration-config").get().getData())
                    .containsEntry("LOGGING_LEVEL_COM_ACME_INTEGRATION", "DEBUG");
            assertThat(knative.triggers().inNamespace(NS).withName("order-status-changed").get()).isNotNull();
            assertThat(http.requests).contains("GET /order-webhook-v1/actuator/health/readiness");
            assertThat(result.out()).contains("order-webhook: promoted order-webhook-v1",
                    "absolute thresholds");
        }

        @Test
        void canaryMovesTrafficStepByStepAndMovesTheGcProtection() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result result = deploy("v2", "--steps", "10,50,100");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("candidate: order-webhook-v1 100% (current), order-webhook-v2 0% (candidate)",
                    "order-webhook: 10% on order-webhook-v2", "order-webhook: 50% on order-webhook-v2",
                    "order-webhook: 100% on order-webhook-v2");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(annotations("order-webhook-v2")).containsEntry(Knative.NO_GC, "true");
            assertThat(annotations("order-webhook-v1")).doesNotContainKey(Knative.NO_GC);
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.PREVIOUS, "order-webhook-v1")
                    .containsEntry(Knative.STABLE, "order-webhook-v2").doesNotContainKey(Knative.CANDIDATE);
            assertThat(http.requests).contains("GET /order-webhook-v2/actuator/health/readiness");
        }

        @Test
        void theStableRevisionIsRecordedInTheWriteThatBringsTheCandidateInBeforeAnyTrafficMoves() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            List<Map<String, String>> seen = new ArrayList<>();
            standIn.once(s -> s.getMetadata().getName().equals("order-webhook")
                            && KnativeStandIn.has(s, "order-webhook-v2", 0),
                    s -> seen.add(s.getMetadata().getAnnotations()));

            assertThat(deploy("v2", "--steps", "10,100").exitCode()).isZero();

            assertThat(seen).singleElement().satisfies(a -> assertThat(a)
                    .containsEntry(Knative.STABLE, "order-webhook-v1")
                    .containsEntry(Knative.CANDIDATE, "order-webhook-v2"));
        }

        @Test
        void smokeTrafficGivesEveryCandidateItsRequestFloorAtEveryStep() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result result = deploy("v2", "--steps", "10,50,100");

            assertThat(result.exitCode()).as(result.all()).isZero();
            // before the first step and after each of the three: min-requests (5 and 3) each time
            assertThat(http.smokeCount("order-webhook-v2")).isEqualTo(4 * 5);
            assertThat(http.smokeCount("order-status-sync-v2")).isEqualTo(4 * 3);
            assertThat(result.out()).contains("order-webhook: smoke webhook-ping x5 to order-webhook-v2 ok",
                    "order-status-sync: smoke status-event x3 to order-status-sync-v2 ok");
        }

        @Test
        void gatesCompareWithTheStableRevisionWhileItHasTrafficAndUseAbsoluteThresholdsAt100() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.metrics.put("order-webhook-v1", TestHttpServer.Metrics.healthy().withRequests(500));
            http.queries.clear();

            Cli.Result result = deploy("v2", "--steps", "10,100");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("relative to order-webhook-v1 (510 requests")
                    .contains("absolute thresholds");
            assertThat(http.queries).contains("requests order-webhook-v1", "server-error-ratio order-webhook-v1",
                    "auth-failure-ratio order-webhook-v1", "latency-p95-seconds order-webhook-v1");
            // one step judged against v1 (10%), one absolute (100%): v1's numbers are asked for once
            assertThat(http.queries.stream().filter("latency-p95-seconds order-webhook-v1"::equals)).hasSize(1);
        }

        @Test
        void failedSmokeCheckPutsAllTrafficBackOnTheStableRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.failingRevisions.add("order-webhook-v2");

            Cli.Result result = deploy("v2", "--steps", "10,50,100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).hasLineCount(1).contains("rolled back:", "order-webhook-v2", "HTTP 503");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(annotations("order-webhook-v1")).containsEntry(Knative.NO_GC, "true");
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.STABLE, "order-webhook-v1")
                    .doesNotContainKey(Knative.CANDIDATE);
        }

        @Test
        void aCandidateThatRefusesTheSignedPingFailsTheSmokeCheckBeforeAnyTrafficMoves() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.unauthorizedRevisions.add("order-webhook-v2");
            List<String> seen = new ArrayList<>();
            standIn.once(s -> KnativeStandIn.has(s, "order-webhook-v2", 10), s -> seen.add("10%"));

            Cli.Result result = deploy("v2", "--steps", "10,50,100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("smoke webhook-ping 1/5 to order-webhook-v2", "HTTP 401",
                    "expected 200 {\"result\":\"pong\"}");
            assertThat(seen).isEmpty();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void failedRevisionRollsBackWithoutWaitingForTheTimeout() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            standIn.failImages.add("registry.example/functions:v2");

            Cli.Result result = deploy("v2");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("revision order-webhook-v2 failed: ExitCode1");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void aRevisionThatStopsBeingReadyDuringTheSoakIsRolledBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            standIn.once(s -> KnativeStandIn.routes(s, "order-webhook-v2", 10),
                    s -> later(() -> standIn.unready("order-webhook-v2")));

            Cli.Result result = deploy("v2", "--steps", "10,50,100", "--interval", "20s");

            assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("revision order-webhook-v2 is not Ready",
                    "CrashLoopBackOff", "during the soak at 10%");
            assertThat(result.out()).doesNotContain("50% on order-webhook-v2");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
        }

        @Test
        void timeoutWaitingForTheRevisionRollsBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            standIn.stuckImages.add("registry.example/functions:v2");

            Cli.Result result = deploy("v2", "--timeout", "3s");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("timed out after 3s waiting for revision order-webhook-v2");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void withoutAManifestTheServicesInTheNamespaceGetTheNewImage() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result result = run("deploy", "-n", NS, "--image", "registry.example/functions:v2", "--app-version",
                    "v2", "--steps", "100", "--poll-interval", "50ms", "--timeout", "30s", "--smoke-attempts", "1",
                    "--prometheus-url", http.base(), "--gate-recheck", "100ms");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(service("order-status-sync").getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getImage()).isEqualTo("registry.example/functions:v2");
            assertThat(http.smokeCount("order-webhook-v2")).as("settings read from the live Service").isPositive();
        }

        @Test
        void failedFirstDeployHasNothingToReturnToExits5AndIsRetriedOnReRun() {
            standIn.failImages.add("registry.example/functions:v1");

            Cli.Result first = deploy("v1", "--steps", "100");
            Cli.Result again = deploy("v1", "--steps", "100");

            assertThat(first.exitCode()).isEqualTo(ExitCode.NEEDS_ATTENTION);
            assertThat(first.out()).contains("order-webhook: no earlier revision to return to");
            assertThat(again.exitCode()).isEqualTo(ExitCode.NEEDS_ATTENTION);
            assertThat(again.out()).doesNotContain("nothing to do");
        }

        @Test
        void reRunningAFinishedDeployChangesNothing() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            String before = service("order-webhook").getMetadata().getResourceVersion();

            Cli.Result result = deploy("v1", "--steps", "100");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).contains("order-webhook-v1 already serves 100%: nothing to do",
                    "everything is up to date");
            assertThat(service("order-webhook").getMetadata().getResourceVersion()).isEqualTo(before);
        }

        @Test
        void dryRunPrintsThePlanAndChangesNothing() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            String before = service("order-webhook").getMetadata().getResourceVersion();

            Cli.Result result = deploy("v2", "--dry-run");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).contains("dry run", "order-webhook: order-webhook-v1 -> order-webhook-v2",
                    "step 10%: order-webhook-v1 90% (current), order-webhook-v2 10% (candidate)",
                    "step 100%: order-webhook-v2 100% (current)");
            assertThat(service("order-webhook").getMetadata().getResourceVersion()).isEqualTo(before);
            assertThat(knative.revisions().inNamespace(NS).withName("order-webhook-v2").get()).isNull();
        }

        @Test
        void invalidManifestChangesNothingAndExits3(@TempDir Path dir) throws Exception {
            Path bad = dir.resolve("bad.yaml");
            Files.writeString(bad, ValidateCommandTests.service("""
                      traffic:
                        - revisionName: order-webhook-a
                          percent: 90
                    """));

            Cli.Result result = run("deploy", "-n", NS, "--image", "i", "--app-version", "v1", "--manifest",
                    bad.toString());

            assertThat(result.exitCode()).isEqualTo(ExitCode.INVALID_MANIFEST);
            assertThat(result.err()).contains("percents sum to 90, must be 100", "nothing was changed");
            assertThat(knative.services().inNamespace(NS).list().getItems()).isEmpty();
        }
    }

    @Nested
    class MetricGates {
        @Test
        void a5xxHeavyCandidateIsRolledBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.metrics.put("order-webhook-v2", new TestHttpServer.Metrics(0, 0.25, 0, 0.05));

            Cli.Result result = deploy("v2", "--steps", "10,100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("metric gate failed: 5xx ratio 25.00% > 1.00% (server-error-ratio)");
            assertThat(http.requests).contains("GET /api/v1/query");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void aCandidateAnswering401ToCustomersIsRolledBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.metrics.put("order-webhook-v2", new TestHttpServer.Metrics(0, 0, 0.4, 0.05));

            Cli.Result result = deploy("v2", "--steps", "10,100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("401/403 ratio 40.00% > 5.00% (auth-failure-ratio)");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void aSlowCandidateIsRolledBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.metrics.put("order-webhook-v2", new TestHttpServer.Metrics(0, 0, 0, 0.9));

            Cli.Result result = deploy("v2", "--steps", "10,100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("p95 0.900s > 0.150s (latency-p95-seconds)");
        }

        @Test
        void metricGateThatCannotBeEvaluatedFailsClosed() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result result = deploy("v2", "--steps", "10,100", "--prometheus-url", "http://127.0.0.1:9");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("metric gate cannot be evaluated", "Prometheus at http://127.0.0.1:9",
                    "unreachable", "requests of order-webhook-v2");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void aNaNResultFailsTheGateNamingTheQuery() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.metrics.put("order-webhook-v2", new TestHttpServer.Metrics(0, 0, 0, Double.NaN));

            Cli.Result result = deploy("v2", "--steps", "100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("latency-p95-seconds of order-webhook-v2 is NaN, not a number",
                    "histogram_quantile(0.95");
        }

        @Test
        void aCandidateBelowItsFloorHoldsUntilTheScrapeShowsTheSmokeTraffic() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.scrapeLag = Duration.ofSeconds(1);

            Cli.Result result = deploy("v2", "--steps", "100", "--gate-deadline", "20s");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("order-webhook: holding:", "re-checking every 100ms");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
        }

        @Test
        void aCandidateStillBelowItsFloorAtTheDeadlineFailsNamingTheQuery(@TempDir Path dir) throws Exception {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            Path quiet = dir.resolve("quiet.yaml");
            Files.writeString(quiet, Files.readString(Path.of(Cli.manifest()))
                    .replace("rollout.acme.example/smoke-check: status-event", "rollout.acme.example/smoke-check: none"));

            Cli.Result result = deploy("v2", "--steps", "100", "--manifest", quiet.toString(), "--gate-deadline", "1s");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("order-status-sync: below the request floor after 1s",
                    "no request series for order-status-sync-v2", "requests: sum(");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void allowNoTrafficPassesACandidateWithoutRequestsAndSaysSo(@TempDir Path dir) throws Exception {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            Path quiet = dir.resolve("quiet.yaml");
            Files.writeString(quiet, Files.readString(Path.of(Cli.manifest()))
                    .replace("rollout.acme.example/smoke-check: status-event", "rollout.acme.example/smoke-check: none"));

            Cli.Result result = deploy("v2", "--steps", "100", "--manifest", quiet.toString(), "--allow-no-traffic");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("WARNING: --allow-no-traffic",
                    "order-status-sync: metric gates NOT evaluated, allowed by --allow-no-traffic");
        }

        @Test
        void withoutPrometheusDeployRefusesToStartUnlessTheGatesAreSkippedExplicitly() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            String before = service("order-webhook").getMetadata().getResourceVersion();

            Cli.Result refused = deploy("v2", "--prometheus-url", "");
            assertThat(refused.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(refused.err()).hasLineCount(1).contains("no Prometheus for the metric gates",
                    "--skip-metric-gates");
            assertThat(service("order-webhook").getMetadata().getResourceVersion()).isEqualTo(before);

            Cli.Result skipped = deploy("v2", "--steps", "100", "--prometheus-url", "", "--skip-metric-gates");
            assertThat(skipped.exitCode()).as(skipped.all()).isZero();
            assertThat(skipped.out()).contains("WARNING: --skip-metric-gates",
                    "order-webhook: metric gates SKIPPED (--skip-metric-gates)");
        }

        @Test
        void aMissingSmokeSecretIsAnErrorBeforeAnythingChanges() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            String before = service("order-webhook").getMetadata().getResourceVersion();
            env.clear();

            Cli.Result result = deploy("v2");

            assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(result.err()).hasLineCount(1).contains("no smoke secret", "--smoke-secret-file",
                    "$ROLLOUT_SMOKE_SECRET");
            assertThat(service("order-webhook").getMetadata().getResourceVersion()).isEqualTo(before);
        }

        @Test
        void theSmokeSecretCanComeFromAFile(@TempDir Path dir) throws Exception {
            env.clear();
            Path secret = dir.resolve("smoke-secret");
            Files.writeString(secret, TestHttpServer.SMOKE_SECRET + "\n");

            Cli.Result result = deploy("v1", "--steps", "100", "--smoke-secret-file", secret.toString());

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(http.smokeCount("order-webhook-v1")).isEqualTo(2 * 5);
        }
    }

    @Nested
    class ConcurrentChanges {
        @Test
        void aTrafficChangeBySomeoneElseIsDetectedAndNotOverwritten() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            standIn.once(s -> KnativeStandIn.routes(s, "order-webhook-v2", 10),
                    s -> later(() -> knative.services().inNamespace(NS).withName("order-webhook").patch(
                            PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(Map.of("op", "replace",
                                    "path", "/spec/traffic", "value", List.of(Traffic.target("order-webhook-v1", 100,
                                            Traffic.CURRENT), Traffic.target("order-webhook-v2", 0, "hotfix"))))))));

            Cli.Result result = deploy("v2", "--steps", "10,50,100", "--interval", "3s");

            assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.NEEDS_ATTENTION);
            assertThat(result.out()).contains("spec.traffic was changed by someone else",
                    "order-webhook: left as someone else set it: order-webhook-v1 100% (current), "
                            + "order-webhook-v2 0% (hotfix)",
                    "order-status-sync: rolled back: 100% on order-status-sync-v1",
                    "restore with: java -jar knative/rollout/target/rollout.jar rollback -n " + NS);
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current",
                    "order-webhook-v2=0%:hotfix");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
        }
    }

    @Nested
    class PromotingAndRollingBack {
        @Test
        void promoteFinishesACanaryLeftBelow100() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            Cli.Result canary = deploy("v2", "--steps", "10");
            assertThat(canary.exitCode()).as(canary.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=90%:current",
                    "order-webhook-v2=10%:candidate");
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.CANDIDATE, "order-webhook-v2");

            Cli.Result result = run("promote", "-n", NS, "--poll-interval", "50ms", "--timeout", "30s");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(annotations("order-webhook-v2")).containsEntry(Knative.NO_GC, "true");
            assertThat(annotations("order-webhook-v1")).doesNotContainKey(Knative.NO_GC);
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.STABLE, "order-webhook-v2")
                    .containsEntry(Knative.PREVIOUS, "order-webhook-v1").doesNotContainKey(Knative.CANDIDATE);
        }

        @Test
        void promoteWithoutACandidateExits4() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result result = run("promote", "-n", NS);

            assertThat(result.exitCode()).isEqualTo(ExitCode.CLUSTER_ERROR);
            assertThat(result.err()).hasLineCount(1).contains("nothing to promote");
        }

        @Test
        void rollbackReturnsToThePreviousStableRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "100").exitCode()).isZero();

            Cli.Result result = run("rollback", "-n", NS, "--poll-interval", "50ms", "--timeout", "30s");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(annotations("order-webhook-v1")).containsEntry(Knative.NO_GC, "true");
            assertThat(annotations("order-webhook-v2")).doesNotContainKey(Knative.NO_GC);
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.STABLE, "order-webhook-v1")
                    .containsEntry(Knative.PREVIOUS, "order-webhook-v2");
        }

        @Test
        void rollbackOfACanaryLeftBelow100GoesToTheRecordedStableRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v3", "--steps", "50").exitCode()).isZero();

            Cli.Result result = run("rollback", "-n", NS, "--poll-interval", "50ms");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("order-webhook: 100% on order-webhook-v2 (unfinished deploy of "
                    + "order-webhook-v3 rolled back)");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(serviceAnnotations("order-webhook")).containsEntry(Knative.PREVIOUS, "order-webhook-v1")
                    .doesNotContainKey(Knative.CANDIDATE);
        }

        @Test
        void rollbackOnlyUnfinishedLeavesFinishedServicesAlone() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "100").exitCode()).isZero();

            Cli.Result result = run("rollback", "-n", NS, "--only-unfinished", "--poll-interval", "50ms");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(result.out()).contains("order-webhook: no unfinished deploy: unchanged");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
        }

        @Test
        void rollbackToANamedRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v3", "--steps", "100").exitCode()).isZero();

            Cli.Result result = run("rollback", "-n", NS, "--to", "v1", "--poll-interval", "50ms");

            assertThat(result.exitCode()).as(result.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void rollbackToAMissingRevisionExits4() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result result = run("rollback", "-n", NS, "--to", "order-webhook-nope");

            assertThat(result.exitCode()).isEqualTo(ExitCode.CLUSTER_ERROR);
            assertThat(result.err()).contains("revision order-webhook-nope does not exist");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void statusPrintsATableOfRevisions() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "10").exitCode()).isZero();

            Cli.Result result = run("status", "-n", NS);

            assertThat(result.exitCode()).isZero();
            assertThat(result.out().lines().findFirst().orElseThrow())
                    .contains("SERVICE", "REVISION", "TRAFFIC", "TAGS", "READY", "AGE", "IMAGE", "URL");
            assertThat(result.out()).containsPattern("order-webhook +order-webhook-v2 +10% +candidate +True")
                    .containsPattern("order-webhook +order-webhook-v1 +90% +current +True")
                    .contains("registry.example/functions:v2", http.base() + "/order-webhook-v2");
        }
    }

    @Nested
    class Previews {
        @Test
        void previewAddsATaggedZeroPercentRevisionAndDeleteRemovesIt() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Cli.Result created = run("preview", "-n", NS, "--name", "mr-42", "--image",
                    "registry.example/functions:mr", "--app-version", "abc1234", "--poll-interval", "50ms",
                    "--timeout", "30s");

            assertThat(created.exitCode()).as(created.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current",
                    "order-webhook-mr-42-abc1234=0%:mr-42");
            assertThat(created.out()).contains("order-webhook: preview mr-42 " + http.base()
                    + "/order-webhook-mr-42-abc1234");

            Cli.Result deleted = run("preview", "-n", NS, "--name", "mr-42", "--delete", "--poll-interval", "50ms");

            assertThat(deleted.exitCode()).as(deleted.all()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void previewSurvivesACanaryOfTheMainLine() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(run("preview", "-n", NS, "--name", "mr-7", "--image", "img:mr", "--app-version", "p1",
                    "--poll-interval", "50ms").exitCode()).isZero();

            assertThat(deploy("v2", "--steps", "50,100").exitCode()).isZero();

            List<String> traffic = traffic("order-webhook");
            assertThat(traffic).containsExactly("order-webhook-v2=100%:current", "order-webhook-mr-7-p1=0%:mr-7");
        }
    }

    @Nested
    class CommandLineContract {
        @Test
        void unknownOptionIsAUsageError() {
            Cli.Result result = run("deploy", "--no-such-option");

            assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(result.err()).contains("Unknown option: '--no-such-option'");
        }

        @Test
        void decreasingStepsAreRefusedBeforeAnyChange() {
            Cli.Result result = deploy("v1", "--steps", "50,10");

            assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(result.err()).hasLineCount(1).contains("--steps must be increasing");
            assertThat(knative.services().inNamespace(NS).list().getItems()).isEmpty();
        }

        @Test
        void everyCommandExplainsItselfAndTheExitCodes() {
            for (String command : List.of("deploy", "gates", "promote", "rollback", "status", "preview", "validate")) {
                Cli.Result result = run(command, "--help");
                assertThat(result.exitCode()).as(command).isZero();
                assertThat(result.out()).as(command).contains("Usage: rollout " + command, "Exit codes:",
                        "3  invalid manifest");
            }
        }
    }
}
