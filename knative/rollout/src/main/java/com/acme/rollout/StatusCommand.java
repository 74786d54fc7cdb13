package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Prints a table of every selected Service's revisions: traffic %%, tags, readiness, age, "
                + "image and tag URLs (newest first).",
        footer = {"", ExitCode.HELP})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Rollout root;
    @Spec
    CommandSpec spec;
    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (KnativeClient kn = root.open(cluster.context).adapt(KnativeClient.class)) {
            String namespace = cluster.namespaceOr(kn.adapt(KubernetesClient.class).getNamespace());
            Knative knative = new Knative(kn, namespace, out, Duration.ZERO, Duration.ZERO);
            List<Service> services = knative.requireServices(cluster.selector, "");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"SERVICE", "REVISION", "TRAFFIC", "TAGS", "READY", "AGE", "IMAGE", "URL"});
            for (Service service : services) {
                List<TrafficTarget> spec = Traffic.of(service);
                List<TrafficTarget> routed = service.getStatus() == null || service.getStatus().getTraffic() == null
                        ? spec : service.getStatus().getTraffic();
                List<Revision> revisions = new ArrayList<>(knative.revisionsOf(service.getMetadata().getName()));
                revisions.sort(Comparator.comparing((Revision r) -> String.valueOf(
                        r.getMetadata().getCreationTimestamp())).reversed());
                for (Revision revision : revisions) {
                    String name = revision.getMetadata().getName();
                    List<TrafficTarget> mine = routed.stream().filter(t -> name.equals(t.getRevisionName())).toList();
                    long percent = mine.stream().mapToLong(t -> t.getPercent() == null ? 0 : t.getPercent()).sum();
                    String tags = String.join(",", mine.stream().map(TrafficTarget::getTag)
                            .filter(t -> t != null).toList());
                    String urls = String.join(" ", mine.stream().map(TrafficTarget::getUrl)
                            .filter(u -> u != null).toList());
                    String image = revision.getSpec() == null || revision.getSpec().getContainers() == null
                            || revision.getSpec().getContainers().isEmpty() ? "-"
                            : revision.getSpec().getContainers().get(0).getImage();
                    rows.add(new String[]{service.getMetadata().getName(), name, percent + "%",
                            tags.isEmpty() ? "-" : tags, Knative.readiness(revision),
                            age(revision.getMetadata().getCreationTimestamp()), image, urls.isEmpty() ? "-" : urls});
                }
            }
            print(out, rows);
            return ExitCode.OK;
        }
    }

    private static String age(String created) {
        if (created == null) {
            return "-";
        }
        try {
            Duration age = Duration.between(Instant.parse(created), Instant.now());
            return age.toDays() > 0 ? age.toDays() + "d" : age.toHours() > 0 ? age.toHours() + "h"
                    : age.toMinutes() > 0 ? age.toMinutes() + "m" : Math.max(0, age.toSeconds()) + "s";
        } catch (RuntimeException e) {
            return "-";
        }
    }

    private static void print(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
