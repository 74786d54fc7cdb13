package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Gives the revision tagged 'candidate' 100%% of the traffic as 'current', after checking it is "
                + "Ready, records it as the stable revision (the one it replaces as " + Knative.PREVIOUS + ") in the "
                + "same conditional write, and moves serving.knative.dev/no-gc to it. For a canary left below "
                + "100%% by deploy, or a deploy stopped after its last traffic move.",
        footer = {"", ExitCode.HELP})
final class PromoteCommand implements Callable<Integer> {
    @ParentCommand
    Rollout root;
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOptions cluster;
    @Mixin
    RunOptions run;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (KnativeClient kn = root.open(cluster.context).adapt(KnativeClient.class)) {
            String namespace = cluster.namespaceOr(kn.adapt(KubernetesClient.class).getNamespace());
            Knative knative = new Knative(kn, namespace, out, run.timeout, run.poll);
            List<Service> services = knative.services(cluster.selector);
            int promoted = 0;
            for (Service service : services) {
                String name = service.getMetadata().getName();
                List<TrafficTarget> traffic = Traffic.of(service);
                String serving = Traffic.stable(traffic);
                String unfinished = Knative.annotation(service, Knative.CANDIDATE);
                String candidate = Traffic.tagged(traffic, Traffic.CANDIDATE);
                if (candidate == null && unfinished != null && unfinished.equals(serving)) {
                    candidate = unfinished; // a deploy stopped after its last traffic move: only the record is missing
                }
                if (candidate == null) {
                    out.printf("%s: no candidate%n", name);
                    continue;
                }
                String recorded = Knative.annotation(service, Knative.STABLE);
                String stable = candidate.equals(serving) ? recorded : serving;
                try {
                    knative.awaitRevisionReady(candidate);
                } catch (Knative.GateFailure e) {
                    throw new RolloutException(ExitCode.ROLLED_BACK, "not promoted, traffic unchanged: "
                            + e.getMessage());
                }
                List<TrafficTarget> next = Traffic.split(traffic, serving, candidate, 100);
                Map<String, String> record = new LinkedHashMap<>();
                record.put(Knative.STABLE, candidate);
                if (stable != null && !stable.equals(candidate)) {
                    record.put(Knative.PREVIOUS, stable);
                }
                knative.change(name, traffic, Knative.Change.traffic(next).annotating(record, Set.of(Knative.CANDIDATE)));
                awaitOrFail(knative, name, next);
                knative.moveNoGc(stable, candidate);
                out.printf("%s: promoted %s (previous: %s)%n", name, candidate, stable);
                promoted++;
            }
            out.flush();
            if (promoted == 0) {
                throw new RolloutException(ExitCode.CLUSTER_ERROR, "nothing to promote: no Service matching '"
                        + cluster.selector + "' in " + namespace + " has a candidate");
            }
            return ExitCode.OK;
        }
    }

    static void awaitOrFail(Knative knative, String service, List<TrafficTarget> traffic) {
        try {
            knative.awaitRouted(service, traffic);
        } catch (Knative.GateFailure e) {
            throw new RolloutException(ExitCode.NEEDS_ATTENTION, e.getMessage());
        }
    }
}
