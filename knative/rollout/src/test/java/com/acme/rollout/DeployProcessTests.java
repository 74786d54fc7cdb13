package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `rollout deploy` as a process (what a GitLab job runs), stopped by signals: SIGTERM and SIGINT (a cancelled job,
 * Ctrl-C), which it answers by putting the traffic back, and SIGKILL (the job's grace period over), after which
 * `rollout rollback` or `rollout deploy` finds the stable revision recorded on the Service.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class DeployProcessTests {
    static final String NS = "order-integration-test";

    KubernetesClient client;
    KnativeClient knative;
    KnativeStandIn standIn;
    TestHttpServer http;
    Path kubeconfig;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        knative = client.adapt(KnativeClient.class);
        http = new TestHttpServer();
        standIn = new KnativeStandIn(client, NS, http.base());
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: mock
                    cluster:
                      server: %s
                contexts:
                  - name: mock
                    context:
                      cluster: mock
                      namespace: %s
                      user: mock
                current-context: mock
                users:
                  - name: mock
                    user:
                      token: test-only
                """.formatted(client.getConfiguration().getMasterUrl(), NS));
        assertThat(inProcess("deploy", "v1", "--steps", "100").exitCode()).isZero();
    }

    @AfterEach
    void stop() throws Exception {
        standIn.close();
        http.close();
        assertThat(standIn.lastError()).as("stand-in errors").isNull();
    }

    /** deploy with the test's defaults; {@code more} are option/value pairs that replace or add to them. */
    List<String> deployArgs(String version, String... more) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("-n", NS);
        options.put("--image", "registry.example/functions:" + version);
        options.put("--app-version", version);
        options.put("--manifest", Cli.manifest());
        options.put("--poll-interval", "50ms");
        options.put("--timeout", "20s");
        options.put("--smoke-attempts", "1");
        options.put("--prometheus-url", http.base());
        options.put("--gate-recheck", "100ms");
        options.put("--gate-deadline", "5s");
        options.put("--interval", "0s");
        for (int i = 0; i + 1 < more.length; i += 2) {
            options.put(more[i], more[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("deploy"));
        options.forEach((option, value) -> args.addAll(List.of(option, value)));
        return args;
    }

    Cli.Result inProcess(String command, String version, String... more) {
        List<String> args = command.equals("deploy") ? deployArgs(version, more)
                : new ArrayList<>(List.of(command, "-n", NS, "--poll-interval", "50ms"));
        if (!command.equals("deploy")) {
            args.addAll(List.of(more));
        }
        return Cli.run(Cli.config(client.getConfiguration(), client.getConfiguration().getMasterUrl()), Cli.ENV,
                args.toArray(String[]::new));
    }

    /** The CLI in its own JVM, as `java -jar rollout.jar`, with the kube config of the mock server. */
    final class Child implements AutoCloseable {
        final Process process;
        final List<String> out = new CopyOnWriteArrayList<>();
        final List<String> err = new CopyOnWriteArrayList<>();

        Child(List<String> args) throws IOException {
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            // C1 only and the serial GC: a quicker start on a busy machine; the behaviour is the same.
            List<String> command = new ArrayList<>(inheritedIgnoredSignals());
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath,
                    Rollout.class.getName()));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("KUBECONFIG", kubeconfig.toString());
            builder.environment().put(Gates.SMOKE_SECRET_ENV, TestHttpServer.SMOKE_SECRET);
            builder.environment().remove("KUBE_CONTEXT");
            builder.environment().remove("KUBE_NAMESPACE");
            process = builder.start();
            read(process.getInputStream(), out);
            read(process.getErrorStream(), err);
        }

        /**
         * A process started in the background by a non-interactive shell (a CI runner, {@code cmd &}) ignores
         * SIGINT, the child inherits that, and the JVM then leaves SIGINT ignored. An operator's Ctrl-C reaches
         * the CLI with the default disposition, so where this JVM ignores SIGINT or SIGTERM the child is
         * started through coreutils' {@code env --default-signal} (Linux), which restores it.
         */
        private static List<String> inheritedIgnoredSignals() throws IOException {
            Path status = Path.of("/proc/self/status");
            if (!Files.isReadable(status)) {
                return List.of();
            }
            long ignored = Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:"))
                    .mapToLong(l -> Long.parseUnsignedLong(l.substring("SigIgn:".length()).trim(), 16))
                    .findFirst().orElse(0);
            long intAndTerm = (1L << (2 - 1)) | (1L << (15 - 1));
            return (ignored & intAndTerm) == 0 ? List.of() : List.of("env", "--default-signal=INT,TERM");
        }

        private static void read(InputStream stream, List<String> lines) {
            Thread.ofVirtual().start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            });
        }

        void awaitLine(Predicate<String> line) throws InterruptedException {
            Instant deadline = Instant.now().plusSeconds(60);
            while (out.stream().noneMatch(line)) {
                assertThat(process.isAlive()).as("still running; printed:%n%s%n%s", String.join("\n", out),
                        String.join("\n", err)).isTrue();
                assertThat(Instant.now()).as("waiting for a line; printed:%n%s", String.join("\n", out))
                        .isBefore(deadline);
                Thread.sleep(50);
            }
        }

        int awaitExit() throws InterruptedException {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited; printed:%n%s", String.join("\n", out))
                    .isTrue();
            // the readers may still hold the last lines
            Thread.sleep(200);
            return process.exitValue();
        }

        String output() {
            return String.join("\n", out) + "\n" + String.join("\n", err);
        }

        void signal(String name) throws IOException, InterruptedException {
            assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor()).isZero();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    List<String> traffic(String service) {
        return Traffic.of(knative.services().inNamespace(NS).withName(service).get()).stream()
                .map(t -> t.getRevisionName() + "=" + t.getPercent() + "%" + (t.getTag() == null ? "" : ":" + t.getTag()))
                .toList();
    }

    Map<String, String> annotations(String service) {
        return knative.services().inNamespace(NS).withName(service).get().getMetadata().getAnnotations();
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalDuringTheSoakPutsTheTrafficBackAndADeployAfterwardsSucceeds(String signal) throws Exception {
        try (Child deploy = new Child(deployArgs("v2", "--steps", "10,50,100", "--interval", "60s"))) {
            deploy.awaitLine(l -> l.equals("soaking 60s at 10%"));
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=90%:current",
                    "order-webhook-v2=10%:candidate");

            deploy.signal(signal);

            assertThat(deploy.awaitExit()).as(deploy.output()).isEqualTo(ExitCode.ROLLED_BACK);
            assertThat(deploy.out).contains("received SIG" + signal + ": stopping; traffic goes back to the stable "
                            + "revision", "deploy stopped: stopped by SIG" + signal,
                    "order-webhook: rolled back: 100% on order-webhook-v1",
                    "order-status-sync: rolled back: 100% on order-status-sync-v1");
            assertThat(deploy.err).containsExactly("error: rolled back: stopped by SIG" + signal);
        }
        assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
        assertThat(annotations("order-webhook")).doesNotContainKey(Knative.CANDIDATE);

        Cli.Result again = inProcess("deploy", "v2", "--steps", "10,100");

        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
        assertThat(annotations("order-webhook")).containsEntry(Knative.PREVIOUS, "order-webhook-v1");
    }

    @Test
    void afterSigkillMidCanaryRollbackReturnsToTheRecordedStableRevision() throws Exception {
        try (Child deploy = new Child(deployArgs("v2", "--steps", "10,50,100", "--interval", "60s"))) {
            deploy.awaitLine(l -> l.equals("soaking 60s at 10%"));

            deploy.process.destroyForcibly();

            assertThat(deploy.awaitExit()).isEqualTo(137);
        }
        assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=90%:current",
                "order-webhook-v2=10%:candidate");
        assertThat(annotations("order-webhook")).containsEntry(Knative.STABLE, "order-webhook-v1")
                .containsEntry(Knative.CANDIDATE, "order-webhook-v2");

        Cli.Result rollback = inProcess("rollback", null);

        assertThat(rollback.exitCode()).as(rollback.all()).isZero();
        assertThat(rollback.out()).contains("order-webhook: 100% on order-webhook-v1 (unfinished deploy of "
                + "order-webhook-v2 rolled back)");
        assertThat(traffic("order-webhook")).containsExactly("order-webhook-v1=100%:current");
        assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v1=100%:current");
        assertThat(annotations("order-webhook")).doesNotContainKey(Knative.CANDIDATE);
    }

    @Test
    void afterSigkillMidCanaryDeployRestartsFromTheRecordedStableRevision() throws Exception {
        try (Child deploy = new Child(deployArgs("v2", "--steps", "10,50,100", "--interval", "60s"))) {
            deploy.awaitLine(l -> l.equals("soaking 60s at 10%"));
            deploy.process.destroyForcibly();
            deploy.awaitExit();
        }

        Cli.Result again = inProcess("deploy", "v2", "--steps", "50,100");

        assertThat(again.exitCode()).as(again.all()).isZero();
        assertThat(again.out()).contains("a deploy of order-webhook-v2 did not finish",
                "starts again from order-webhook-v1", "order-webhook-v2 exists, tagged candidate at 0%",
                "order-webhook: promoted order-webhook-v2");
        assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
        assertThat(annotations("order-webhook")).containsEntry(Knative.PREVIOUS, "order-webhook-v1")
                .containsEntry(Knative.STABLE, "order-webhook-v2").doesNotContainKey(Knative.CANDIDATE);
    }

    @Test
    void afterSigkillPastTheFinalShiftRollbackGoesOneReleaseBackNotTwo() throws Exception {
        assertThat(inProcess("deploy", "v2", "--steps", "100").exitCode()).isZero();
        // The smoke requests never show in Prometheus: the step-100 gate holds, as it waits for a scrape.
        http.scrapeLag = Duration.ofHours(1);
        try (Child deploy = new Child(deployArgs("v3", "--steps", "100", "--gate-deadline", "120s"))) {
            deploy.awaitLine(l -> l.contains("order-webhook: holding:"));
            assertThat(traffic("order-webhook")).containsExactly("order-webhook-v3=100%:current");

            deploy.process.destroyForcibly();
            deploy.awaitExit();
        }
        assertThat(annotations("order-webhook")).containsEntry(Knative.STABLE, "order-webhook-v2")
                .containsEntry(Knative.PREVIOUS, "order-webhook-v1").containsEntry(Knative.CANDIDATE, "order-webhook-v3");

        Cli.Result rollback = inProcess("rollback", null);

        assertThat(rollback.exitCode()).as(rollback.all()).isZero();
        assertThat(traffic("order-webhook")).containsExactly("order-webhook-v2=100%:current");
        assertThat(traffic("order-status-sync")).containsExactly("order-status-sync-v2=100%:current");
        assertThat(annotations("order-webhook")).containsEntry(Knative.PREVIOUS, "order-webhook-v1");
    }
}
