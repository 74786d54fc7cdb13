package com.acme.rollout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Makes the Revisions that read a ConfigMap of the manifest its owners (metadata.ownerReferences), so that
 * Kubernetes' garbage collector deletes the ConfigMap once Knative has garbage-collected the last of them. The
 * ConfigMaps are generated with a content hash in their name: each configuration gets a new one, and the old
 * ones must stay as long as a revision, the rollback target included, still reads them. The deployer cannot
 * delete; it only patches the ConfigMaps it applies.
 *
 * <p>Runs after every deploy, also a failed one, because applying a ConfigMap again replaces its metadata and
 * with it the owners recorded by earlier deploys. A ConfigMap no revision reads gets no owner and stays (an
 * owner-less object is never collected): safe, and cleaned up by hand if ever needed. Bookkeeping: a failure is
 * reported and does not change the deploy's outcome.
 */
final class ConfigMapOwners {
    private final KubernetesClient kubernetes;
    private final KnativeClient knative;
    private final String namespace;
    private final PrintWriter out;

    ConfigMapOwners(KubernetesClient kubernetes, KnativeClient knative, String namespace, PrintWriter out) {
        this.kubernetes = kubernetes;
        this.knative = knative;
        this.namespace = namespace;
        this.out = out;
    }

    void adopt(Manifest manifest) {
        try {
            List<Revision> revisions = knative.revisions().inNamespace(namespace).list().getItems();
            for (HasMetadata resource : manifest.supporting()) {
                if (resource instanceof ConfigMap) {
                    adopt(resource.getMetadata().getName(), revisions);
                }
            }
        } catch (KubernetesClientException e) {
            out.printf("warning: ConfigMap owners not recorded (%s): the ConfigMaps stay until removed by hand%n",
                    Rollout.oneLine(e));
        }
        out.flush();
    }

    private void adopt(String configMap, List<Revision> revisions) {
        List<OwnerReference> owners = revisions.stream()
                .filter(revision -> revision.getMetadata().getUid() != null && reads(revision, configMap))
                .map(revision -> new OwnerReference("serving.knative.dev/v1", null, null, "Revision",
                        revision.getMetadata().getName(), revision.getMetadata().getUid()))
                .toList();
        ConfigMap current = kubernetes.configMaps().inNamespace(namespace).withName(configMap).get();
        if (owners.isEmpty() || current == null) {
            return;
        }
        Set<String> had = new HashSet<>();
        if (current.getMetadata().getOwnerReferences() != null) {
            current.getMetadata().getOwnerReferences().forEach(owner -> had.add(owner.getUid()));
        }
        Set<String> want = new HashSet<>(owners.stream().map(OwnerReference::getUid).toList());
        if (had.equals(want)) {
            return;
        }
        // JSON merge patch: replaces the list as a whole, on every API server and in fabric8's mock.
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ArrayNode list = patch.putObject("metadata").putArray("ownerReferences");
        for (OwnerReference owner : owners) {
            list.addObject().put("apiVersion", owner.getApiVersion()).put("kind", owner.getKind())
                    .put("name", owner.getName()).put("uid", owner.getUid());
        }
        kubernetes.configMaps().inNamespace(namespace).withName(configMap)
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        out.printf("ConfigMap/%s: owned by %d revision(s) (%s); deleted by Kubernetes after the last of them%n",
                configMap, owners.size(), String.join(", ", owners.stream().map(OwnerReference::getName).toList()));
    }

    /** Whether the revision's pods read the ConfigMap: envFrom, env valueFrom, or a (projected) volume. */
    static boolean reads(Revision revision, String configMap) {
        if (revision.getSpec() == null) {
            return false;
        }
        List<String> names = new ArrayList<>();
        for (Container container : Objects.requireNonNullElse(revision.getSpec().getContainers(), List.<Container>of())) {
            Stream.ofNullable(container.getEnvFrom()).flatMap(List::stream)
                    .filter(source -> source.getConfigMapRef() != null)
                    .forEach(source -> names.add(source.getConfigMapRef().getName()));
            Stream.ofNullable(container.getEnv()).flatMap(List::stream)
                    .filter(env -> env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null)
                    .forEach(env -> names.add(env.getValueFrom().getConfigMapKeyRef().getName()));
        }
        for (Volume volume : Objects.requireNonNullElse(revision.getSpec().getVolumes(), List.<Volume>of())) {
            if (volume.getConfigMap() != null) {
                names.add(volume.getConfigMap().getName());
            }
            if (volume.getProjected() != null && volume.getProjected().getSources() != null) {
                volume.getProjected().getSources().stream().filter(source -> source.getConfigMap() != null)
                        .forEach(source -> names.add(source.getConfigMap().getName()));
            }
        }
        return names.contains(configMap);
    }
}
