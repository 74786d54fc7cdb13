package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults of the API server at each write of a 10/50/100 rollout, injected by {@link FaultyApiServer} between the
 * CLI and fabric8's CRUD mock server: 500, 409 and no answer (timeout), persistent, on the write that brings the
 * candidate in, on each traffic step, on the write that records the promotion, and on the rollback itself. Each
 * case asserts where the traffic ends and what the CLI printed.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class DeployFaultTests {
    static final String NS = "order-integration-test";
    static final String WEBHOOK = "order-webhook";

    KubernetesClient client;
    KnativeClient knative;
    KnativeStandIn standIn;
    TestHttpServer http;
    FaultyApiServer api;

    @BeforeEach
    void start() throws Exception {
        knative = client.adapt(KnativeClient.class);
        http = new TestHttpServer();
        standIn = new KnativeStandIn(client, NS, http.base());
        api = new FaultyApiServer(client.getConfiguration().getMasterUrl());
        assertThat(cli("deploy", "v1", "--steps", "100").exitCode()).isZero();
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
        standIn.close();
        http.close();
        assertThat(standIn.lastError()).as("stand-in errors").isNull();
    }

    /** A command through the faulty API server; deploy gets the test's defaults. */
    Cli.Result cli(String command, String version, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-n", NS, "--poll-interval", "50ms", "--timeout", "20s"));
        if (command.equals("deploy")) {
            args.addAll(List.of("--image", "registry.example/functions:" + version, "--app-version", version,
                    "--manifest", Cli.manifest(), "--interval", "0s", "--smoke-attempts", "1",
                    "--prometheus-url", http.base(), "--gate-recheck", "100ms", "--gate-deadline", "5s"));
        }
        args.addAll(List.of(more));
        return Cli.run(Cli.config(client.getConfiguration(), api.url()), Cli.ENV, args.toArray(String[]::new));
    }

    List<String> traffic(String service) {
        return Traffic.of(knative.services().inNamespace(NS).withName(service).get()).stream()
                .map(t -> t.getRevisionName() + "=" + t.getPercent() + "%" + (t.getTag() == null ? "" : ":" + t.getTag()))
                .toList();
    }

    Map<String, String> annotations(String service) {
        return knative.services().inNamespace(NS).withName(service).get().getMetadata().getAnnotations();
    }

    /** The writes of a deploy of v2 to order-webhook. */
    enum Write {
        CANDIDATE_IN(r -> r.patchOf(WEBHOOK) && r.op("add", "/spec/template") != null),
        STEP_10(r -> r.patchOf(WEBHOOK) && r.sets("order-webhook-v2", 10)),
        STEP_50(r -> r.patchOf(WEBHOOK) && r.sets("order-webhook-v2", 50)),
        STEP_100(r -> r.patchOf(WEBHOOK) && r.sets("order-webhook-v2", 100)),
        PROMOTION_RECORD(r -> r.patchOf(WEBHOOK) && r.op("add", "/spec/traffic") == null
                && r.op("remove", "/metadata/annotations/rollout.acme.example~1candidate-revision") != null),
        ROLLBACK(r -> r.patchOf(WEBHOOK) && r.sets("order-webhook-v1", 100) && r.op("add", "/spec/template") == null
                && r.op("remove", "/metadata/annotations/rollout.acme.example~1candidate-revision") != null);

        final Predicate<FaultyApiServer.Request> matches;

        Write(Predicate<FaultyApiServer.Request> matches) {
            this.matches = matches;
        }
    }

    static Stream<Arguments> faultsAtEachStep() {
        List<Arguments> cases = new ArrayList<>();
        for (Write write : List.of(Write.CANDIDATE_IN, Write.STEP_10, Write.STEP_50, Write.STEP_100,
                Write.PROMOTION_RECORD)) {
            for (FaultyApiServer.Fault fault : List.of(FaultyApiServer.Fault.INTERNAL_ERROR,
                    FaultyApiServer.Fault.CONFLICT, FaultyApiServer.Fault.TIMEOUT)) {
                cases.add(Arguments.of(write, fault));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("faultsAtEachStep")
    void aFailedWriteEndsWithAllTrafficOnTheStableRevision(Write write, FaultyApiServer.Fault fault) {
        api.always(write.matches, fault);

        Cli.Result result = cli("deploy", "v2", "--steps", "10,50,100");

        assertThat(api.injected).as("fault injected").isNotEmpty();
        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v1=100%:current");
        assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
        assertThat(annotations(WEBHOOK)).containsEntry(Knative.STABLE, "order-webhook-v1")
                .doesNotContainKey(Knative.CANDIDATE);
        String code = switch (fault) {
            case INTERNAL_ERROR -> "500";
            case CONFLICT -> "409";
            default -> "timed out";
        };
        assertThat(result.out()).contains("deploy stopped: API error: order-webhook: the change failed:", code);
        if (write == Write.CANDIDATE_IN) {
            // The first write of the deploy: nothing to undo.
            assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.CLUSTER_ERROR);
            assertThat(result.err()).hasLineCount(1).contains("nothing was changed");
        } else {
            assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(result.out()).contains("order-webhook: rolled back: 100% on order-webhook-v1",
                    "order-status-sync: rolled back: 100% on order-status-sync-v1");
            assertThat(result.err()).hasLineCount(1).startsWith("error: rolled back: API error:");
        }
    }

    @Test
    void aRollbackThatFailsToExits5WithTheCommandsThatRestoreAndTheyDo() {
        api.always(Write.STEP_50.matches, FaultyApiServer.Fault.INTERNAL_ERROR)
                .always(Write.ROLLBACK.matches, FaultyApiServer.Fault.INTERNAL_ERROR);

        Cli.Result result = cli("deploy", "v2", "--steps", "10,50,100");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.NEEDS_ATTENTION);
        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v1=90%:current", "order-webhook-v2=10%:candidate");
        assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
        assertThat(result.out()).contains("order-webhook: rollback attempt 3 of 3 failed:",
                "order-webhook: ROLLBACK FAILED:",
                "restore with: java -jar knative/rollout/target/rollout.jar rollback -n " + NS
                        + " --selector app.kubernetes.io/name=functions",
                "or with kubectl: kubectl -n " + NS + " patch ksvc order-webhook --type=json -p '[{\"op\":\"replace\","
                        + "\"path\":\"/spec/traffic\",\"value\":[{\"percent\":100,\"revisionName\":\"order-webhook-v1\","
                        + "\"tag\":\"current\"}]}]'");
        assertThat(result.err()).hasLineCount(1).contains("rollback incomplete, traffic needs attention",
                "restore with: java -jar");

        api.clear();
        Cli.Result restored = cli("rollback", "v1", "--selector", "app.kubernetes.io/name=functions");

        assertThat(restored.exitCode()).as(restored.all()).isZero();
        assertThat(restored.out()).contains("order-webhook: 100% on order-webhook-v1 (unfinished deploy of "
                + "order-webhook-v2 rolled back)");
        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v1=100%:current");
    }

    @Test
    void theKubectlRestoreCommandRestores() {
        api.always(Write.STEP_50.matches, FaultyApiServer.Fault.INTERNAL_ERROR)
                .always(Write.ROLLBACK.matches, FaultyApiServer.Fault.INTERNAL_ERROR);
        Cli.Result result = cli("deploy", "v2", "--steps", "10,50,100");
        String patch = result.out().lines().filter(l -> l.contains("or with kubectl:")).findFirst().orElseThrow()
                .replaceAll(".*-p '(.*)'$", "$1");

        // What `kubectl patch --type=json -p` sends.
        knative.services().inNamespace(NS).withName(WEBHOOK).patch(PatchContext.of(PatchType.JSON), patch);

        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v1=100%:current");
    }

    @Test
    void aWriteAppliedWhoseAnswerIsLostIsRecognisedAndTheRolloutGoesOn() {
        api.once(Write.STEP_50.matches, FaultyApiServer.Fault.APPLIED_BUT_TIMED_OUT);

        Cli.Result result = cli("deploy", "v2", "--steps", "10,50,100");

        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.out()).contains("order-webhook: the API server did not confirm the change",
                "but the Service holds it", "order-webhook: 50% on order-webhook-v2", "order-webhook: promoted");
        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v2=100%:current");
    }

    @Test
    void aRaceForTheFirstWriteIsLostWithoutOverwritingTheWinner() {
        List<Object> winner = List.of(Traffic.target("order-webhook-v1", 100, Traffic.CURRENT),
                Traffic.target("order-webhook-v1", 0, "other-deploy"));
        api.someoneElseFirst(Write.CANDIDATE_IN.matches, () -> knative.services().inNamespace(NS).withName(WEBHOOK)
                .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(Map.of("op", "replace",
                        "path", "/spec/traffic", "value", winner)))));

        Cli.Result result = cli("deploy", "v2", "--steps", "10,50,100");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.CLUSTER_ERROR);
        assertThat(result.err()).hasLineCount(1).contains("spec.traffic was changed by someone else",
                "found order-webhook-v1 100% (current), order-webhook-v1 0% (other-deploy)", "nothing was changed");
        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v1=100%:current", "order-webhook-v1=0%:other-deploy");
        assertThat(annotations(WEBHOOK)).doesNotContainKey(Knative.CANDIDATE);
    }

    @Test
    void aRaceMidCanaryLeavesTheOtherWritersTrafficAndSaysHowToRestore() {
        api.someoneElseFirst(Write.STEP_50.matches, () -> knative.services().inNamespace(NS).withName(WEBHOOK)
                .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(Map.of("op", "replace",
                        "path", "/spec/traffic", "value", List.of(Traffic.target("order-webhook-v1", 100,
                                Traffic.CURRENT)))))));

        Cli.Result result = cli("deploy", "v2", "--steps", "10,50,100");

        assertThat(result.exitCode()).as(result.all()).isEqualTo(ExitCode.NEEDS_ATTENTION);
        assertThat(result.out()).contains("order-webhook: left as someone else set it: order-webhook-v1 100% (current)",
                "order-status-sync: rolled back: 100% on order-status-sync-v1");
        assertThat(traffic(WEBHOOK)).containsExactly("order-webhook-v1=100%:current");
        assertThat(api.injected).singleElement().asString().startsWith("SOMEONE_ELSE_FIRST PATCH");
    }
}
