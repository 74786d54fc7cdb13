package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Black-box runs of the CLI against fabric8's CRUD mock API server, with {@link KnativeStandIn} playing the Knative
 * controllers and {@link TestHttpServer} answering the tag URLs and Prometheus.
 */
@EnableKubernetesMockClient(crud = true)
class RolloutCommandTests {
    static final String NS = "order-integration-test";

    KubernetesClient client;
    KnativeClient knative;
    KnativeStandIn standIn;
    TestHttpServer http;

    @BeforeEach
    void startStandIns() throws Exception {
        knative = client.adapt(KnativeClient.class);
        http = new TestHttpServer();
        standIn = new KnativeStandIn(client, NS, http.base());
    }

    @AfterEach
    void stopStandIns() throws Exception {
        standIn.close();
        http.close();
        assertThat(standIn.lastError()).as("stand-in errors").isNull();
    }

    record Result(int exitCode, String out, String err) {
    }

    Result run(String... args) {
        Rollout rollout = new Rollout(context -> new KubernetesClientBuilder()
                .withConfig(client.getConfiguration()).build());
        CommandLine cli = Rollout.commandLine(rollout);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** deploy with fast waits and no soak time, plus the given arguments. */
    Result deploy(String version, String... more) {
        List<String> args = new ArrayList<>(List.of("deploy", "-n", NS, "--image", "registry.example/functions:"
                + version, "--app-version", version, "--manifest", manifest(), "--interval", "0s",
                "--poll-interval", "50ms", "--timeout", "30s", "--smoke-attempts", "1"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    static String manifest() {
        try {
            return Path.of(RolloutCommandTests.class.getResource("/manifests/two-services.yaml").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
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

    @Nested
    class Deploying {
        @Test
        void firstDeployCreatesEveryServiceAndItsSettingsAndProtectsTheRevision() {
            Result result = deploy("v1", "--steps", "100");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(service("order-webhook").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .isEqualTo("registry.example/functions:v1");
            assertThat(annotations("order-webhook-v1")).containsEntry(Knative.NO_GC, "true");
            assertThat(client.configMaps().inNamespace(NS).withName("order-integration-config").get().getData())
                    .containsEntry("LOGGING_LEVEL_COM_ACME_INTEGRATION", "DEBUG");
            assertThat(knative.triggers().inNamespace(NS).withName("order-status-changed").get()).isNotNull();
            assertThat(http.requests).contains("/order-webhook-v1/actuator/health/readiness");
            assertThat(result.out()).contains("order-webhook: promoted order-webhook-v1");
        }

        @Test
        void canaryMovesTrafficStepByStepAndMovesTheGcProtection() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Result result = deploy("v2", "--steps", "10,50,100");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out()).contains("candidate: order-webhook-v1 100% (current), order-webhook-v2 0% (candidate)",
                    "order-webhook: 10% on order-webhook-v2", "order-webhook: 50% on order-webhook-v2",
                    "order-webhook: 100% on order-webhook-v2");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(annotations("order-webhook-v2")).containsEntry(Knative.NO_GC, "true");
            assertThat(annotations("order-webhook-v1")).doesNotContainKey(Knative.NO_GC);
            assertThat(service("order-webhook").getMetadata().getAnnotations())
                    .containsEntry(Knative.PREVIOUS, "order-webhook-v1");
            assertThat(http.requests).contains("/order-webhook-v2/actuator/health/readiness");
        }

        @Test
        void failedSmokeCheckPutsAllTrafficBackOnTheStableRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.failingRevisions.add("order-webhook-v2");

            Result result = deploy("v2", "--steps", "10,50,100");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).hasLineCount(1).contains("rolled back:", "order-webhook-v2", "HTTP 503");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(annotations("order-webhook-v1")).containsEntry(Knative.NO_GC, "true");
        }

        @Test
        void failedRevisionRollsBackWithoutWaitingForTheTimeout() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            standIn.failImages.add("registry.example/functions:v2");

            Result result = deploy("v2");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("revision order-webhook-v2 failed: ExitCode1");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void timeoutWaitingForTheRevisionRollsBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            standIn.stuckImages.add("registry.example/functions:v2");

            Result result = run("deploy", "-n", NS, "--image", "registry.example/functions:v2", "--app-version", "v2",
                    "--manifest", manifest(), "--poll-interval", "50ms", "--timeout", "3s", "--smoke-attempts", "1");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("timed out after 3s waiting for revision order-webhook-v2");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void withoutAManifestTheServicesInTheNamespaceGetTheNewImage() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Result result = run("deploy", "-n", NS, "--image", "registry.example/functions:v2", "--app-version", "v2",
                    "--steps", "100", "--poll-interval", "50ms", "--timeout", "30s", "--smoke-attempts", "1");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(service("order-status-sync").getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getImage()).isEqualTo("registry.example/functions:v2");
        }

        @Test
        void metricGateAboveThresholdRollsBack() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            http.prometheusValue = "0.25";

            Result result = deploy("v2", "--steps", "10,100", "--prometheus-url", http.base());

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("metric gate failed: 0.25 > 0.01");
            assertThat(http.requests).contains("/api/v1/query");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void metricGateThatCannotBeEvaluatedFailsClosed() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Result result = deploy("v2", "--steps", "10,100", "--prometheus-url", "http://127.0.0.1:9");

            assertThat(result.exitCode()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.err()).contains("Prometheus unreachable", "cannot be evaluated");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void failedFirstDeployHasNothingToReturnToExits5AndIsRetriedOnReRun() {
            standIn.failImages.add("registry.example/functions:v1");

            Result first = deploy("v1", "--steps", "100");
            Result again = deploy("v1", "--steps", "100");

            assertThat(first.exitCode()).isEqualTo(ExitCode.NEEDS_ATTENTION);
            assertThat(first.out()).contains("order-webhook: no earlier revision to return to");
            assertThat(again.exitCode()).isEqualTo(ExitCode.NEEDS_ATTENTION);
            assertThat(again.out()).doesNotContain("nothing to do");
        }

        @Test
        void reRunningAFinishedDeployChangesNothing() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            String before = service("order-webhook").getMetadata().getResourceVersion();

            Result result = deploy("v1", "--steps", "100");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).contains("order-webhook-v1 already serves 100%: nothing to do",
                    "everything is up to date");
            assertThat(service("order-webhook").getMetadata().getResourceVersion()).isEqualTo(before);
        }

        @Test
        void dryRunPrintsThePlanAndChangesNothing() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            String before = service("order-webhook").getMetadata().getResourceVersion();

            Result result = deploy("v2", "--dry-run");

            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).contains("dry run", "order-webhook: order-webhook-v1 -> order-webhook-v2",
                    "step 10%: order-webhook-v1 90% (current), order-webhook-v2 10% (candidate)",
                    "step 100%: order-webhook-v2 100% (current)");
            assertThat(service("order-webhook").getMetadata().getResourceVersion()).isEqualTo(before);
            assertThat(knative.revisions().inNamespace(NS).withName("order-webhook-v2").get()).isNull();
        }

        @Test
        void invalidManifestChangesNothingAndExits3(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
            Path bad = dir.resolve("bad.yaml");
            java.nio.file.Files.writeString(bad, ValidateCommandTests.service("""
                      traffic:
                        - revisionName: order-webhook-a
                          percent: 90
                    """));

            Result result = run("deploy", "-n", NS, "--image", "i", "--app-version", "v1", "--manifest", bad.toString());

            assertThat(result.exitCode()).isEqualTo(ExitCode.INVALID_MANIFEST);
            assertThat(result.err()).contains("percents sum to 90, must be 100", "nothing was changed");
            assertThat(knative.services().inNamespace(NS).list().getItems()).isEmpty();
        }
    }

    @Nested
    class PromotingAndRollingBack {
        @Test
        void promoteFinishesACanaryLeftBelow100() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            Result canary = deploy("v2", "--steps", "10");
            assertThat(canary.exitCode()).as(canary.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=90%:current",
                    "order-webhook-v2=10%:candidate");

            Result result = run("promote", "-n", NS, "--poll-interval", "50ms", "--timeout", "30s");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
            assertThat(annotations("order-webhook-v2")).containsEntry(Knative.NO_GC, "true");
            assertThat(annotations("order-webhook-v1")).doesNotContainKey(Knative.NO_GC);
        }

        @Test
        void promoteWithoutACandidateExits4() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Result result = run("promote", "-n", NS);

            assertThat(result.exitCode()).isEqualTo(ExitCode.CLUSTER_ERROR);
            assertThat(result.err()).hasLineCount(1).contains("nothing to promote");
        }

        @Test
        void rollbackReturnsToThePreviousStableRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "100").exitCode()).isZero();

            Result result = run("rollback", "-n", NS, "--poll-interval", "50ms", "--timeout", "30s");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
            assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
            assertThat(annotations("order-webhook-v1")).containsEntry(Knative.NO_GC, "true");
            assertThat(annotations("order-webhook-v2")).doesNotContainKey(Knative.NO_GC);
        }

        @Test
        void rollbackToANamedRevision() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v3", "--steps", "100").exitCode()).isZero();

            Result result = run("rollback", "-n", NS, "--to", "v1", "--poll-interval", "50ms");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void rollbackToAMissingRevisionExits4() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();

            Result result = run("rollback", "-n", NS, "--to", "order-webhook-nope");

            assertThat(result.exitCode()).isEqualTo(ExitCode.CLUSTER_ERROR);
            assertThat(result.err()).contains("revision order-webhook-nope does not exist");
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        }

        @Test
        void statusPrintsATableOfRevisions() {
            assertThat(deploy("v1", "--steps", "100").exitCode()).isZero();
            assertThat(deploy("v2", "--steps", "10").exitCode()).isZero();

            Result result = run("status", "-n", NS);

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

            Result created = run("preview", "-n", NS, "--name", "mr-42", "--image", "registry.example/functions:mr",
                    "--app-version", "abc1234", "--poll-interval", "50ms", "--timeout", "30s");

            assertThat(created.exitCode()).as(created.err()).isZero();
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current",
                    "order-webhook-mr-42-abc1234=0%:mr-42");
            assertThat(created.out()).contains("order-webhook: preview mr-42 " + http.base()
                    + "/order-webhook-mr-42-abc1234");

            Result deleted = run("preview", "-n", NS, "--name", "mr-42", "--delete", "--poll-interval", "50ms");

            assertThat(deleted.exitCode()).as(deleted.err()).isZero();
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
            Result result = run("deploy", "--no-such-option");

            assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(result.err()).contains("Unknown option: '--no-such-option'");
        }

        @Test
        void decreasingStepsAreRefusedBeforeAnyChange() {
            Result result = deploy("v1", "--steps", "50,10");

            assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(result.err()).hasLineCount(1).contains("--steps must be increasing");
            assertThat(knative.services().inNamespace(NS).list().getItems()).isEmpty();
        }

        @Test
        void everyCommandExplainsItselfAndTheExitCodes() {
            for (String command : List.of("deploy", "promote", "rollback", "status", "preview", "validate")) {
                Result result = run(command, "--help");
                assertThat(result.exitCode()).as(command).isZero();
                assertThat(result.out()).as(command).contains("Usage: rollout " + command, "Exit codes:",
                        "3  invalid manifest");
            }
        }
    }

}
