package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {
                "Rolls IMAGE out to every selected Knative Service: records the stable revision on the Service and "
                        + "creates the revision <service>-<version> at 0%% tagged 'candidate' in one write, waits "
                        + "until it is Ready, smoke-checks it through its tag URL (readiness GETs and the Service's "
                        + "signed smoke traffic), then moves traffic from 'current' to 'candidate' in --steps; "
                        + "after each step (and its soak) the gates run: still Ready, smoke checks, metric gates "
                        + "(5xx, 401/403, p95, with a request floor). Every traffic write is conditional on the "
                        + "traffic it was computed from. A failed gate, a timeout, an API error, a revision no "
                        + "longer Ready or SIGTERM/SIGINT moves all traffic back to the stable revision and exits "
                        + "1; if even that fails, exit 5 prints the command that restores it. The promoted "
                        + "revision carries serving.knative.dev/no-gc.",
                "With --manifest, the manifest is validated first and its ConfigMaps and Triggers are applied; "
                        + "Services missing from the cluster are created. Re-running a finished deploy changes "
                        + "nothing."},
        footer = {"", ExitCode.HELP})
final class DeployCommand implements Callable<Integer> {
    @ParentCommand
    Rollout root;
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOptions cluster;
    @Mixin
    RunOptions run;
    @Mixin
    GateOptions gateOptions;
    @Mixin
    MetricOptions metricOptions;

    @Option(names = "--image", defaultValue = "${env:ROLLOUT_IMAGE}",
            description = "Image to deploy, ideally by digest (default: $ROLLOUT_IMAGE).")
    String image;

    @Option(names = "--app-version", defaultValue = "${env:CI_COMMIT_SHORT_SHA}",
            description = "Revision suffix: revisions are named <service>-<version> (default: $CI_COMMIT_SHORT_SHA).")
    String version;

    @Option(names = {"-f", "--manifest"}, paramLabel = "FILE|-",
            description = "Rendered manifest (kubectl kustomize knative/overlays/ENV), '-' for stdin. Without it, "
                    + "the Services already in the namespace get the new image.")
    String manifest;

    @Option(names = "--steps", split = ",", defaultValue = "10,50,100",
            description = "Traffic percentages for the candidate, increasing (default: ${DEFAULT-VALUE}). "
                    + "100 promotes at once; a last step below 100 leaves the canary for promote/rollback.")
    List<Long> steps;

    @Option(names = "--interval", defaultValue = "2m", converter = DurationConverter.class,
            description = "Soak time at each step below 100%% before its gates run (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--feature", split = ",",
            description = "config-features flags the cluster enables, for the manifest check (see validate).")
    Set<String> features = Set.of();

    @Option(names = "--dry-run", description = "Print the planned traffic changes; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (version == null || version.isBlank()) {
            throw new RolloutException(ExitCode.USAGE, "no version: use --app-version or $CI_COMMIT_SHORT_SHA");
        }
        if (!version.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw new RolloutException(ExitCode.USAGE, "--app-version '" + version
                    + "' must be lower-case letters, digits and '-' (it becomes part of the revision name)");
        }
        if (image == null || image.isBlank()) {
            throw new RolloutException(ExitCode.USAGE, "no image: use --image or $ROLLOUT_IMAGE");
        }
        List<Long> plannedSteps = Deploy.steps(steps);
        Manifest parsed = null;
        if (manifest != null) {
            parsed = Manifest.read(manifest, System.in);
            List<String> problems = new Validator(features).validate(parsed);
            if (!problems.isEmpty()) {
                problems.forEach(spec.commandLine().getErr()::println);
                throw new RolloutException(ExitCode.INVALID_MANIFEST, "manifest " + manifest + " is invalid ("
                        + problems.size() + " problem(s)); nothing was changed");
            }
        }
        try (KnativeClient kn = root.open(cluster.context).adapt(KnativeClient.class)) {
            KubernetesClient kubernetes = kn.adapt(KubernetesClient.class);
            String namespace = cluster.namespaceOr(kubernetes.getNamespace());
            Knative knative = new Knative(kn, namespace, out, run.timeout, run.poll);
            Gates gates = new Gates(gateOptions, metricOptions, out, root::env, Clock.systemUTC());
            Deploy deploy = new Deploy(knative, kubernetes, gates, out,
                    new Deploy.Restore(cluster.context, namespace, cluster.selector));
            List<Deploy.Plan> plans = Deploy.plan(knative, parsed, cluster.selector, image, version);
            out.printf("namespace %s%s%n", namespace, dryRun ? " (dry run: nothing is changed)" : "");
            deploy.printPlan(plans, plannedSteps);
            if (dryRun) {
                return ExitCode.OK;
            }
            gates.prepare(plans.stream().filter(p -> !p.upToDate()).map(Deploy.Plan::settings).toList());
            if (parsed != null) {
                deploy.applySupporting(parsed);
                new ServiceLabels(kn, namespace, out).sync(plans);
            }
            try (Signals signals = Signals.install(Thread.currentThread(), out)) {
                return deploy.run(plans, plannedSteps, interval, signals);
            } finally {
                if (parsed != null) {
                    new ConfigMapOwners(kubernetes, kn, namespace, out).adopt(parsed);
                }
            }
        }
    }
}
