package com.acme.rollout;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.pkg.apis.Condition;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.RevisionTemplateSpec;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster calls of every command. Writes are JSON Patch / JSON merge patch only: they touch exactly the fields
 * this tool owns, work through any admission chain, and are what fabric8's CRUD mock server accepts.
 */
final class Knative {
    static final String NO_GC = "serving.knative.dev/no-gc";
    static final String PREVIOUS = "rollout.acme.example/previous-revision";

    private final KnativeClient client;
    private final String namespace;
    private final PrintWriter out;
    private final Duration timeout;
    private final Duration poll;

    Knative(KnativeClient client, String namespace, PrintWriter out, Duration timeout, Duration poll) {
        this.client = client;
        this.namespace = namespace;
        this.out = out;
        this.timeout = timeout;
        this.poll = poll;
    }

    String namespace() {
        return namespace;
    }

    Optional<Service> service(String name) {
        return Optional.ofNullable(client.services().inNamespace(namespace).withName(name).get());
    }

    Service requireService(String name) {
        return service(name).orElseThrow(() -> new RolloutException(ExitCode.CLUSTER_ERROR,
                "no Knative Service " + name + " in namespace " + namespace));
    }

    List<Service> services(String selector) {
        var op = client.services().inNamespace(namespace);
        return (selector == null || selector.isBlank() ? op.list() : op.withLabelSelector(selector).list())
                .getItems();
    }

    /** The selected Services; none is a cluster error whose message ends with {@code hint}. */
    List<Service> requireServices(String selector, String hint) {
        List<Service> services = services(selector);
        if (services.isEmpty()) {
            throw new RolloutException(ExitCode.CLUSTER_ERROR,
                    "no Knative Service matching '" + selector + "' in " + namespace + hint);
        }
        return services;
    }

    Optional<Revision> revision(String name) {
        return Optional.ofNullable(client.revisions().inNamespace(namespace).withName(name).get());
    }

    List<Revision> revisionsOf(String service) {
        return client.revisions().inNamespace(namespace).withLabel("serving.knative.dev/service", service).list()
                .getItems();
    }

    void create(Service service) {
        client.services().inNamespace(namespace).resource(service).create();
    }

    /** Replaces spec.template and spec.traffic in one JSON Patch (add = set, whether or not present). */
    void setTemplateAndTraffic(String service, RevisionTemplateSpec template, List<TrafficTarget> traffic) {
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        ops.addObject().put("op", "add").put("path", "/spec/template")
                .set("value", Serialization.jsonMapper().valueToTree(template));
        ops.addObject().put("op", "add").put("path", "/spec/traffic")
                .set("value", Serialization.jsonMapper().valueToTree(traffic));
        client.services().inNamespace(namespace).withName(service)
                .patch(PatchContext.of(PatchType.JSON), ops.toString());
    }

    void setTraffic(String service, List<TrafficTarget> traffic) {
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        ops.addObject().put("op", "add").put("path", "/spec/traffic")
                .set("value", Serialization.jsonMapper().valueToTree(traffic));
        client.services().inNamespace(namespace).withName(service)
                .patch(PatchContext.of(PatchType.JSON), ops.toString());
    }

    void annotateService(String service, String key, String value) {
        client.services().inNamespace(namespace).withName(service)
                .patch(PatchContext.of(PatchType.JSON_MERGE), annotationPatch(key, value));
    }

    /** Moves serving.knative.dev/no-gc from the old stable revision (if any) to the new one. */
    void moveNoGc(String from, String to) {
        if (to != null) {
            client.revisions().inNamespace(namespace).withName(to)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), annotationPatch(NO_GC, "true"));
        }
        if (from != null && !from.equals(to)) {
            boolean protectedNow = revision(from).map(r -> r.getMetadata().getAnnotations())
                    .map(a -> a.containsKey(NO_GC)).orElse(false);
            if (protectedNow) {
                // JSON Patch remove: exact on every API server (a merge patch null is stored as null by some).
                ArrayNode ops = JsonNodeFactory.instance.arrayNode();
                ops.addObject().put("op", "remove").put("path", "/metadata/annotations/" + NO_GC.replace("/", "~1"));
                client.revisions().inNamespace(namespace).withName(from)
                        .patch(PatchContext.of(PatchType.JSON), ops.toString());
            }
        }
    }

    private static String annotationPatch(String key, String value) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        annotations.put(key, value);
        return patch.toString();
    }

    static Optional<Condition> ready(List<Condition> conditions) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    static String readiness(Revision revision) {
        return ready(revision.getStatus() == null ? null : revision.getStatus().getConditions())
                .map(Condition::getStatus).orElse("Unknown");
    }

    /** Waits until the revision is Ready, printing each change of its reason; fails fast when it failed. */
    void awaitRevisionReady(String name) {
        String last = null;
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Optional<Revision> revision = revision(name);
            Optional<Condition> ready = revision.flatMap(r -> ready(r.getStatus() == null ? null
                    : r.getStatus().getConditions()));
            String status = ready.map(Condition::getStatus).orElse("Unknown");
            if ("True".equals(status)) {
                out.printf("  %s: Ready%n", name);
                out.flush();
                return;
            }
            if ("False".equals(status)) {
                throw new GateFailure("revision " + name + " failed: " + ready.map(Condition::getReason).orElse("")
                        + " " + Objects.toString(ready.map(Condition::getMessage).orElse(null), "").strip());
            }
            String progress = revision.isEmpty() ? "waiting for the revision to be created"
                    : ready.map(c -> Objects.toString(c.getReason(), "in progress")
                    + (c.getMessage() == null ? "" : ": " + c.getMessage())).orElse("in progress");
            if (!progress.equals(last)) {
                out.printf("  %s: %s%n", name, progress);
                out.flush();
                last = progress;
            }
            sleepUntil(deadline, "revision " + name + " to become Ready");
        }
    }

    /** Waits until Knative routes what spec.traffic asks for; returns the Service with its status URLs. */
    Service awaitRouted(String name, List<TrafficTarget> wanted) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Service service = requireService(name);
            if (service.getStatus() != null && Traffic.routed(wanted, service.getStatus().getTraffic())
                    && generationObserved(service)) {
                return service;
            }
            sleepUntil(deadline, "service " + name + " to route " + Traffic.describe(wanted) + " (routes "
                    + (service.getStatus() == null || service.getStatus().getTraffic() == null ? "nothing"
                    : Traffic.describe(service.getStatus().getTraffic())) + ", generation "
                    + service.getMetadata().getGeneration() + ", observed "
                    + (service.getStatus() == null ? null : service.getStatus().getObservedGeneration()) + ")");
        }
    }

    private static boolean generationObserved(Service service) {
        Long generation = service.getMetadata().getGeneration();
        Long observed = service.getStatus().getObservedGeneration();
        return generation == null || observed == null || observed >= generation;
    }

    static String tagUrl(Service service, String tag) {
        return service.getStatus() == null || service.getStatus().getTraffic() == null ? null
                : service.getStatus().getTraffic().stream().filter(t -> tag.equals(t.getTag()))
                .map(TrafficTarget::getUrl).filter(Objects::nonNull).findFirst().orElse(null);
    }

    private void sleepUntil(Instant deadline, String what) {
        if (Instant.now().isAfter(deadline)) {
            throw new GateFailure("timed out after " + timeout.toSeconds() + "s waiting for " + what);
        }
        sleep(poll);
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GateFailure("interrupted");
        }
    }


    /** A gate that failed or could not be evaluated, or a wait that timed out: the rollout goes back. */
    static final class GateFailure extends RuntimeException {
        GateFailure(String message) {
            super(message);
        }
    }
}
