package com.acme.rollout;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the manifest's labels onto Services that already exist. Deploy writes a Service's metadata only when it
 * creates it; a label added to the manifest later (networking.knative.dev/visibility: cluster-local, say) would
 * otherwise never reach a Service created before it. Labels are added or changed, never removed: one the manifest
 * dropped stays until someone removes it with kubectl.
 */
final class ServiceLabels {
    private final KnativeClient client;
    private final String namespace;
    private final PrintWriter out;

    ServiceLabels(KnativeClient client, String namespace, PrintWriter out) {
        this.client = client;
        this.namespace = namespace;
        this.out = out;
    }

    void sync(List<Deploy.Plan> plans) {
        for (Deploy.Plan plan : plans) {
            if (plan.existing() == null || plan.manifest() == null) {
                continue;
            }
            Map<String, String> wanted = labels(plan.manifest());
            Map<String, String> have = labels(plan.existing());
            Map<String, String> missing = new TreeMap<>();
            wanted.forEach((key, value) -> {
                if (!value.equals(have.get(key))) {
                    missing.put(key, value);
                }
            });
            if (missing.isEmpty()) {
                continue;
            }
            ObjectNode patch = JsonNodeFactory.instance.objectNode();
            ObjectNode labels = patch.putObject("metadata").putObject("labels");
            missing.forEach(labels::put);
            client.services().inNamespace(namespace).withName(plan.service())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
            out.printf("%s: labels from the manifest written: %s%n", plan.service(), missing);
        }
        out.flush();
    }

    private static Map<String, String> labels(Service service) {
        Map<String, String> labels = service.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }
}
