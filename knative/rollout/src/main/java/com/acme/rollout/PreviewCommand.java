package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.RevisionTemplateSpec;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "preview", mixinStandardHelpOptions = true,
        description = {"Gives a merge request its own revision of every selected Service, <service>-<name>-<version>, "
                + "tagged <name> at 0%% of the traffic, and prints its URL (the tag URL). Stable traffic is untouched.",
                "--delete removes the <name> tag again; the untagged revisions are left to Knative's garbage "
                        + "collection."},
        footer = {"", ExitCode.HELP})
final class PreviewCommand implements Callable<Integer> {
    @ParentCommand
    Rollout root;
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOptions cluster;
    @Mixin
    RunOptions run;

    @Option(names = "--name", required = true, description = "Preview name and tag, e.g. mr-42 (a DNS-1035 label).")
    String name;

    @Option(names = "--image", defaultValue = "${env:ROLLOUT_IMAGE}", description = "Image (default: $ROLLOUT_IMAGE).")
    String image;

    @Option(names = "--app-version", defaultValue = "${env:CI_COMMIT_SHORT_SHA}",
            description = "Revision suffix (default: $CI_COMMIT_SHORT_SHA).")
    String version;

    @Option(names = "--delete", description = "Remove the preview instead of creating it.")
    boolean delete;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!name.matches("[a-z]([-a-z0-9]*[a-z0-9])?") || name.length() > 40
                || name.equals(Traffic.CURRENT) || name.equals(Traffic.CANDIDATE)) {
            throw new RolloutException(ExitCode.USAGE, "--name '" + name + "' must be a DNS-1035 label of at most "
                    + "40 characters other than current/candidate, e.g. mr-42");
        }
        if (!delete && (image == null || image.isBlank() || version == null || version.isBlank())) {
            throw new RolloutException(ExitCode.USAGE, "preview needs --image and --app-version "
                    + "(or $ROLLOUT_IMAGE and $CI_COMMIT_SHORT_SHA)");
        }
        try (KnativeClient kn = root.open(cluster.context).adapt(KnativeClient.class)) {
            String namespace = cluster.namespaceOr(kn.adapt(KubernetesClient.class).getNamespace());
            Knative knative = new Knative(kn, namespace, out, run.timeout, run.poll);
            List<Service> services = knative.requireServices(cluster.selector, ": deploy the namespace first");
            for (Service service : services) {
                if (delete) {
                    remove(knative, out, service);
                } else {
                    create(knative, out, service);
                }
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    private void remove(Knative knative, PrintWriter out, Service service) {
        String svc = service.getMetadata().getName();
        List<TrafficTarget> traffic = Traffic.of(service);
        List<TrafficTarget> next = traffic.stream().filter(t -> !name.equals(t.getTag())).toList();
        if (next.size() == traffic.size()) {
            out.printf("%s: no preview %s%n", svc, name);
            return;
        }
        knative.change(svc, traffic, Knative.Change.traffic(next));
        PromoteCommand.awaitOrFail(knative, svc, next);
        out.printf("%s: preview %s removed%n", svc, name);
    }

    private void create(Knative knative, PrintWriter out, Service service) {
        String svc = service.getMetadata().getName();
        String revision = svc + "-" + name + "-" + version;
        List<TrafficTarget> traffic = Traffic.of(service);
        List<TrafficTarget> next = new ArrayList<>(traffic.stream().filter(t -> !name.equals(t.getTag())).toList());
        next.add(Traffic.target(revision, 0, name));
        if (revision.equals(Deploy.templateName(service))) {
            knative.change(svc, traffic, Knative.Change.traffic(next));
        } else {
            RevisionTemplateSpec template = Serialization.jsonMapper()
                    .convertValue(service.getSpec().getTemplate(), RevisionTemplateSpec.class);
            template.getMetadata().setName(revision);
            template.getSpec().getContainers().get(0).setImage(image);
            knative.change(svc, traffic, Knative.Change.traffic(next).withTemplate(template));
        }
        try {
            knative.awaitRevisionReady(revision);
            Service routed = knative.awaitRouted(svc, next);
            out.printf("%s: preview %s %s%n", svc, name, Knative.tagUrl(routed, name));
        } catch (Knative.GateFailure e) {
            throw new RolloutException(ExitCode.ROLLED_BACK, svc + ": preview " + name + " not ready: "
                    + e.getMessage());
        }
    }
}
