package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.pkg.apis.Condition;
import io.fabric8.knative.pkg.apis.ConditionBuilder;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.RevisionBuilder;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceStatus;
import io.fabric8.knative.serving.v1.ServiceStatusBuilder;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.knative.serving.v1.TrafficTargetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What the Knative controllers would do, reduced to what the CLI observes: a Revision for each new template name
 * (Ready, or Failed when its image is listed in {@link #failImages}, never for {@link #stuckImages}), and the
 * Service's status.traffic mirroring spec.traffic once every referenced revision is Ready, with URLs pointing at
 * the test's HTTP server ({@code <base>/<revision>}).
 */
final class KnativeStandIn implements AutoCloseable {
    final Set<String> failImages = ConcurrentHashMap.newKeySet();
    /** Images whose revision is never created: the controller is stuck, the CLI must time out. */
    final Set<String> stuckImages = ConcurrentHashMap.newKeySet();
    private final KnativeClient knative;
    private final String namespace;
    private final String urlBase;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException lastError;

    KnativeStandIn(KubernetesClient client, String namespace, String urlBase) {
        this.knative = client.adapt(KnativeClient.class);
        this.namespace = namespace;
        this.urlBase = urlBase;
        this.thread = Thread.ofVirtual().name("knative-stand-in").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                reconcile();
            } catch (RuntimeException e) {
                lastError = e;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs {@code action} once, the first time a reconcile sees a Service for which {@code when} holds. */
    void once(Predicate<Service> when, Consumer<Service> action) {
        hooks.add(new Hook(when, action));
    }

    /** The revision's Ready condition turns False, as when its pods crash. */
    void unready(String revision) {
        Revision r = knative.revisions().inNamespace(namespace).withName(revision).get();
        r.getStatus().setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus("False")
                .withReason("RevisionFailed").withMessage("Container crashed: CrashLoopBackOff").build()));
        knative.revisions().inNamespace(namespace).withName(revision).patch(PatchContext.of(PatchType.JSON),
                Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", r.getStatus()))));
    }

    /** Does the Service's spec.traffic give {@code revision} exactly {@code percent}? */
    static boolean has(Service service, String revision, long percent) {
        return Traffic.of(service).stream().anyMatch(t -> revision.equals(t.getRevisionName())
                && t.getPercent() != null && t.getPercent() == percent);
    }

    /** Does the Service's status.traffic route {@code percent} to {@code revision} (the step is in place)? */
    static boolean routes(Service service, String revision, long percent) {
        return service.getStatus() != null && service.getStatus().getTraffic() != null
                && service.getStatus().getTraffic().stream().anyMatch(t -> revision.equals(t.getRevisionName())
                && t.getPercent() != null && t.getPercent() == percent);
    }

    private record Hook(Predicate<Service> when, Consumer<Service> action) {
    }

    private final List<Hook> hooks = new CopyOnWriteArrayList<>();

    void reconcile() {
        for (Service service : knative.services().inNamespace(namespace).list().getItems()) {
            for (Hook hook : hooks) {
                if (hook.when().test(service) && hooks.remove(hook)) {
                    hook.action().accept(service);
                }
            }
            String name = service.getMetadata().getName();
            String revisionName = Deploy.templateName(service);
            Revision revision = knative.revisions().inNamespace(namespace).withName(revisionName).get();
            String image = service.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
            if (revision == null && !stuckImages.contains(image)) {
                boolean fails = failImages.contains(image);
                revision = new RevisionBuilder()
                        .withNewMetadata().withName(revisionName).withNamespace(namespace)
                        .withCreationTimestamp(Instant.now().toString())
                        .addToLabels("serving.knative.dev/service", name)
                        .addToLabels("serving.knative.dev/configuration", name)
                        .endMetadata()
                        .withSpec(Serialization.jsonMapper().convertValue(service.getSpec().getTemplate().getSpec(),
                                io.fabric8.knative.serving.v1.RevisionSpec.class))
                        .withNewStatus().withConditions(condition(!fails)).endStatus()
                        .build();
                knative.revisions().inNamespace(namespace).resource(revision).create();
            }
            List<TrafficTarget> wanted = Traffic.of(service);
            boolean allReady = wanted.stream().allMatch(t -> knative.revisions().inNamespace(namespace)
                    .withName(t.getRevisionName()).get() instanceof Revision r && "True".equals(Knative.readiness(r)));
            if (!allReady) {
                continue;
            }
            List<TrafficTarget> routed = wanted.stream().map(t -> new TrafficTargetBuilder(t)
                    .withUrl(t.getTag() == null ? null : urlBase + "/" + t.getRevisionName()).build()).toList();
            ServiceStatus status = new ServiceStatusBuilder()
                    .withObservedGeneration(service.getMetadata().getGeneration())
                    .withLatestCreatedRevisionName(revisionName).withLatestReadyRevisionName(revisionName)
                    .withUrl(urlBase + "/" + name).withTraffic(routed).withConditions(condition(true)).build();
            if (service.getStatus() == null || !Objects.equals(Serialization.asJson(service.getStatus().getTraffic()),
                    Serialization.asJson(status.getTraffic()))
                    || !Objects.equals(service.getStatus().getObservedGeneration(), service.getMetadata().getGeneration())) {
                // JSON Patch, not merge patch: the mock's merge of lists appends instead of replacing.
                knative.services().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON),
                        Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status))));
            }
        }
    }

    private static Condition condition(boolean ready) {
        return new ConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? null : "ExitCode1").withMessage(ready ? null : "Container failed with: boom")
                .build();
    }

    RuntimeException lastError() {
        return lastError;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
