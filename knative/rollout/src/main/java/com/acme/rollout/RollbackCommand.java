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
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Moves all traffic of every selected Service to one revision, tagged 'current', and drops the "
                + "candidate. Default target: during a canary, the stable revision; otherwise the revision that "
                + "was stable before the last promotion (annotation " + Knative.PREVIOUS + ").",
                "serving.knative.dev/no-gc moves to the target."},
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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (KnativeClient kn = root.open(cluster.context).adapt(KnativeClient.class)) {
            String namespace = cluster.namespaceOr(kn.adapt(KubernetesClient.class).getNamespace());
            Knative knative = new Knative(kn, namespace, out, run.timeout, run.poll);
            List<Service> services = knative.requireServices(cluster.selector, "");
            int moved = 0;
            for (Service service : services) {
                String name = service.getMetadata().getName();
                List<TrafficTarget> traffic = Traffic.of(service);
                String stable = Traffic.stable(traffic);
                String target = target(name, service, traffic, stable);
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
                knative.setTraffic(name, next);
                PromoteCommand.awaitOrFail(knative, name, next);
                if (!target.equals(stable)) {
                    knative.moveNoGc(stable, target);
                    if (stable != null) {
                        knative.annotateService(name, Knative.PREVIOUS, stable);
                    }
                }
                out.printf("%s: 100%% on %s%n", name, target);
                moved++;
            }
            out.flush();
            if (moved == 0) {
                throw new RolloutException(ExitCode.CLUSTER_ERROR, to == null
                        ? "nothing to roll back to: no candidate and no " + Knative.PREVIOUS + " annotation"
                        : "no Service has a revision " + to);
            }
            return ExitCode.OK;
        }
    }

    private String target(String service, Service svc, List<TrafficTarget> traffic, String stable) {
        if (to != null) {
            return to.startsWith(service + "-") ? to : service + "-" + to;
        }
        if (Traffic.tagged(traffic, Traffic.CANDIDATE) != null && stable != null) {
            return stable;
        }
        Map<String, String> annotations = svc.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Knative.PREVIOUS);
    }
}
