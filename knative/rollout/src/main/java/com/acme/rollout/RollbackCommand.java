package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Moves all traffic of every selected Service to one revision, tagged 'current', and drops the "
                + "candidate. Default target: while a deploy is unfinished (stopped, killed, or a canary left below "
                + "100%%), the stable revision it recorded (annotation " + Knative.STABLE + "); otherwise the "
                + "revision that was stable before the last promotion (annotation " + Knative.PREVIOUS + ").",
                "The traffic write is conditional on the traffic it was computed from: a concurrent change is "
                        + "reported, not overwritten. serving.knative.dev/no-gc moves to the target."},
        footer = {"", ExitCode.HELP})
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand
    Rollout root;
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOptions cluster;
    @Mixin
    RunOptions run;

    @Option(names = "--to", paramLabel = "REVISION",
            description = "Target revision: a full name (order-webhook-1a2b3c4) or a version (1a2b3c4) that "
                    + "names <service>-<version> in every Service.")
    String to;

    @Option(names = "--only-unfinished",
            description = "Act only on Services with an unfinished deploy (to its recorded stable revision); "
                    + "leave the others as they are. For a cancelled CI job: a no-op when the deploy put the "
                    + "traffic back itself.")
    boolean onlyUnfinished;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (onlyUnfinished && to != null) {
            throw new RolloutException(ExitCode.USAGE, "--only-unfinished goes to the recorded stable revision: "
                    + "it cannot be combined with --to");
        }
        try (KnativeClient kn = root.open(cluster.context).adapt(KnativeClient.class)) {
            String namespace = cluster.namespaceOr(kn.adapt(KubernetesClient.class).getNamespace());
            Knative knative = new Knative(kn, namespace, out, run.timeout, run.poll);
            List<Service> services = knative.requireServices(cluster.selector, "");
            int moved = 0;
            for (Service service : services) {
                String name = service.getMetadata().getName();
                List<TrafficTarget> traffic = Traffic.of(service);
                String serving = Traffic.stable(traffic);
                String unfinished = Knative.annotation(service, Knative.CANDIDATE);
                String recorded = Knative.annotation(service, Knative.STABLE);
                if (onlyUnfinished && unfinished == null) {
                    out.printf("%s: no unfinished deploy: unchanged (%s)%n", name, Traffic.describe(traffic));
                    continue;
                }
                boolean abort = to == null && (unfinished != null && recorded != null
                        || Traffic.tagged(traffic, Traffic.CANDIDATE) != null && serving != null);
                String target = to != null ? (to.startsWith(name + "-") ? to : name + "-" + to)
                        : unfinished != null && recorded != null ? recorded
                        : abort ? serving
                        : Knative.annotation(service, Knative.PREVIOUS);
                if (target == null) {
                    continue;
                }
                if (to != null && !to.startsWith(name + "-") && knative.revision(target).isEmpty()) {
                    continue; // --to names a revision of another Service
                }
                if (knative.revision(target).isEmpty()) {
                    throw new RolloutException(ExitCode.CLUSTER_ERROR, name + ": revision " + target
                            + " does not exist (garbage-collected?)");
                }
                List<TrafficTarget> next = Traffic.allTo(traffic, target);
                Map<String, String> record = new LinkedHashMap<>();
                record.put(Knative.STABLE, target);
                if (!abort && serving != null && !serving.equals(target)) {
                    // Rolling a finished release back: the release left becomes the one a second rollback returns to.
                    record.put(Knative.PREVIOUS, serving);
                }
                knative.change(name, traffic, Knative.Change.traffic(next).annotating(record, Set.of(Knative.CANDIDATE)));
                PromoteCommand.awaitOrFail(knative, name, next);
                if (!target.equals(serving)) {
                    knative.moveNoGc(serving, target);
                }
                out.printf("%s: 100%% on %s%s%n", name, target, abort ? " (unfinished deploy of "
                        + (unfinished != null ? unfinished : Traffic.tagged(traffic, Traffic.CANDIDATE))
                        + " rolled back)" : "");
                moved++;
            }
            out.flush();
            if (moved == 0 && !onlyUnfinished) {
                throw new RolloutException(ExitCode.CLUSTER_ERROR, to == null
                        ? "nothing to roll back to: no candidate and no " + Knative.PREVIOUS + " annotation"
                        : "no Service has a revision " + to);
            }
            return ExitCode.OK;
        }
    }
}
