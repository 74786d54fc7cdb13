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
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster calls of every command. Writes are JSON Patch / JSON merge patch only: they touch exactly the fields
 * this tool owns, work through any admission chain, and are what fabric8's CRUD mock server accepts.
 */
final class Knative {
    static final String NO_GC = "serving.knative.dev/no-gc";
    /** The revision that was stable before the last promotion: rollback's default target. */
    static final String PREVIOUS = "rollout.acme.example/previous-revision";
    /** The stable revision, recorded before a deploy moves any traffic: where its traffic goes back to. */
    static final String STABLE = "rollout.acme.example/stable-revision";
    /** Present while a deploy (or a canary left below 100%) is under way: the revision being rolled out. */
    static final String CANDIDATE = "rollout.acme.example/candidate-revision";

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

    Duration poll() {
        return poll;
    }

    /** Why a revision is not Ready ("Unknown" when it has no Ready condition yet), or null when it is. */
    String notReady(String revision) {
        Optional<Revision> found = revision(revision);
        if (found.isEmpty()) {
            return "revision " + revision + " does not exist";
        }
        Optional<Condition> ready = ready(found.get().getStatus() == null ? null
                : found.get().getStatus().getConditions());
        if (ready.map(Condition::getStatus).filter("True"::equals).isPresent()) {
            return null;
        }
        return "revision " + revision + " is not Ready (" + ready.map(c -> c.getStatus() + " "
                + Objects.toString(c.getReason(), "") + " " + Objects.toString(c.getMessage(), "")).orElse("Unknown")
                .replaceAll("\\s+", " ").strip() + ")";
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

    /**
     * One change of a Service: spec.traffic (null: unchanged), spec.template (null: unchanged) and annotations to
     * set or remove, written in one JSON Patch, so that a traffic move and the record of it cannot part.
     */
    record Change(List<TrafficTarget> traffic, RevisionTemplateSpec template, Map<String, String> annotate,
                  Set<String> unannotate) {
        static Change traffic(List<TrafficTarget> traffic) {
            return new Change(traffic, null, Map.of(), Set.of());
        }

        Change annotating(Map<String, String> annotate, Set<String> unannotate) {
            return new Change(traffic, template, annotate, unannotate);
        }

        Change withTemplate(RevisionTemplateSpec template) {
            return new Change(traffic, template, annotate, unannotate);
        }
    }

    /**
     * Applies {@code change} only if spec.traffic is what the caller last saw ({@code expected}; null: whatever it
     * is now). The Service is re-read first and the patch carries a JSON Patch {@code test} of the spec.traffic it
     * was computed from, so a change made by anyone else in between is detected instead of overwritten: a real
     * API server answers a failed test with 422 ("the server rejected our request due to an error in our
     * request"), fabric8's mock server does not answer at all; either way the Service is read again and the
     * outcome decided from what it holds. The resourceVersion would not do: Knative's own status writes change it.
     *
     * @return the Service after the change
     * @throws ConcurrentChange when spec.traffic is neither what was expected nor what this change writes
     * @throws ApiFailure       when the change could not be made and nothing else changed spec.traffic
     */
    Service change(String name, List<TrafficTarget> expected, Change change) {
        Service now = requireService(name);
        List<TrafficTarget> found = Traffic.of(now);
        if (expected != null && !Traffic.sameSpec(expected, found)) {
            throw new ConcurrentChange(name, expected, found);
        }
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        if (now.getSpec() != null && now.getSpec().getTraffic() != null) {
            ops.addObject().put("op", "test").put("path", "/spec/traffic")
                    .set("value", Serialization.jsonMapper().valueToTree(now.getSpec().getTraffic()));
        }
        if (change.template() != null) {
            ops.addObject().put("op", "add").put("path", "/spec/template")
                    .set("value", Serialization.jsonMapper().valueToTree(change.template()));
        }
        if (change.traffic() != null) {
            ops.addObject().put("op", "add").put("path", "/spec/traffic")
                    .set("value", Serialization.jsonMapper().valueToTree(change.traffic()));
        }
        Map<String, String> annotations = now.getMetadata().getAnnotations();
        if (annotations == null && !change.annotate().isEmpty()) {
            ops.addObject().put("op", "add").put("path", "/metadata/annotations")
                    .set("value", JsonNodeFactory.instance.objectNode());
        }
        change.annotate().forEach((key, value) -> ops.addObject().put("op", "add")
                .put("path", "/metadata/annotations/" + pointer(key)).put("value", value));
        for (String key : change.unannotate()) {
            if (annotations != null && annotations.containsKey(key) && !change.annotate().containsKey(key)) {
                ops.addObject().put("op", "remove").put("path", "/metadata/annotations/" + pointer(key));
            }
        }
        try {
            return client.services().inNamespace(namespace).withName(name)
                    .patch(PatchContext.of(PatchType.JSON), ops.toString());
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            Service after;
            try {
                after = requireService(name);
            } catch (RuntimeException reread) {
                throw new ApiFailure(name + ": the change failed (" + Rollout.oneLine(e)
                        + ") and the Service cannot be read to see what it holds (" + Rollout.oneLine(reread) + ")", e);
            }
            if (applied(change, after)) {
                out.printf("  %s: the API server did not confirm the change (%s), but the Service holds it%n", name,
                        Rollout.oneLine(e));
                out.flush();
                return after;
            }
            if (!Traffic.sameSpec(found, Traffic.of(after))) {
                throw new ConcurrentChange(name, found, Traffic.of(after));
            }
            throw new ApiFailure(name + ": the change failed: " + Rollout.oneLine(e), e);
        }
    }

    private static boolean applied(Change change, Service after) {
        if (change.traffic() != null && !Traffic.sameSpec(change.traffic(), Traffic.of(after))) {
            return false;
        }
        if (change.template() != null && !Objects.equals(change.template().getMetadata().getName(),
                Deploy.templateName(after))) {
            return false;
        }
        Map<String, String> annotations = after.getMetadata().getAnnotations() == null ? Map.of()
                : after.getMetadata().getAnnotations();
        return change.annotate().entrySet().stream().allMatch(e -> e.getValue().equals(annotations.get(e.getKey())))
                && change.unannotate().stream().filter(k -> !change.annotate().containsKey(k))
                .noneMatch(annotations::containsKey);
    }

    private static String pointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    static String annotation(Service service, String key) {
        return service.getMetadata().getAnnotations() == null ? null : service.getMetadata().getAnnotations().get(key);
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

    /**
     * Waits until Knative routes what spec.traffic asks for; returns the Service with its status URLs. A spec.traffic
     * that is no longer {@code wanted} is someone else's change: waiting would not end well.
     */
    Service awaitRouted(String name, List<TrafficTarget> wanted) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Service service = requireService(name);
            if (!Traffic.sameSpec(wanted, Traffic.of(service))) {
                throw new ConcurrentChange(name, wanted, Traffic.of(service));
            }
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

    /** spec.traffic is not what this command last saw or wrote: someone else changed it; it is not overwritten. */
    static final class ConcurrentChange extends RuntimeException {
        final String service;
        final List<TrafficTarget> found;

        ConcurrentChange(String service, List<TrafficTarget> expected, List<TrafficTarget> found) {
            super(service + ": spec.traffic was changed by someone else while this command ran (another deploy, "
                    + "a preview, a person): expected " + Traffic.describe(expected) + ", found "
                    + Traffic.describe(found) + "; not overwritten");
            this.service = service;
            this.found = found;
        }
    }

    /** A write the API server refused or did not answer, with spec.traffic unchanged by it. */
    static final class ApiFailure extends RuntimeException {
        ApiFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
