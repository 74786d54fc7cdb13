package com.acme.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A rendered multi-document manifest (e.g. `kubectl kustomize knative/overlays/prod`). */
record Manifest(List<Document> documents) {

    /** One YAML document, both as written (for field checks) and as fabric8 typed it. */
    record Document(int index, JsonNode raw, KubernetesResource typed, String parseError) {
        String describe() {
            String kind = raw.path("kind").asText("?");
            String name = raw.path("metadata").path("name").asText("?");
            return kind + "/" + name;
        }
    }

    private static final YAMLMapper YAML = new YAMLMapper();

    static Manifest read(String file, InputStream stdin) {
        try {
            if ("-".equals(file)) {
                return parse(stdin);
            }
            try (InputStream in = Files.newInputStream(Path.of(file))) {
                return parse(in);
            }
        } catch (NoSuchFileException e) {
            throw new RolloutException(ExitCode.USAGE, "no such manifest file: " + file);
        } catch (IOException e) {
            throw new RolloutException(ExitCode.INVALID_MANIFEST, "cannot read manifest " + file + ": "
                    + Rollout.oneLine(e));
        }
    }

    static Manifest parse(InputStream in) throws IOException {
        List<Document> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(in)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node == null || node.isNull() || node.isMissingNode() || node.isEmpty()) {
                    continue;
                }
                KubernetesResource typed = null;
                String error = null;
                try {
                    typed = Serialization.unmarshal(node.toString(), KubernetesResource.class);
                } catch (RuntimeException e) {
                    error = Rollout.oneLine(e);
                }
                documents.add(new Document(documents.size(), node, typed, error));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw new RolloutException(ExitCode.INVALID_MANIFEST, "manifest is not valid YAML: " + Rollout.oneLine(e));
        }
        return new Manifest(List.copyOf(documents));
    }

    List<Service> knativeServices() {
        return documents.stream().map(Document::typed).filter(Service.class::isInstance).map(Service.class::cast)
                .toList();
    }

    /** Resources that deploy applies before the Services: settings and event wiring. */
    List<HasMetadata> supporting() {
        return documents.stream().map(Document::typed).filter(HasMetadata.class::isInstance)
                .map(HasMetadata.class::cast)
                .filter(r -> Deploy.APPLIED_KINDS.contains(r.getKind()))
                .toList();
    }
}
