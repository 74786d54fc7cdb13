package com.acme.rollout;

import io.fabric8.knative.serving.v1.RevisionTemplateSpec;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceBuilder;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The deploy algorithm, in lock-step over every selected Service. */
final class Deploy {
    /** Kinds deploy applies with the Services. RBAC, ServiceAccounts, Brokers and Namespaces are bootstrap. */
    static final Set<String> APPLIED_KINDS = Set.of("ConfigMap", "Trigger");

    /** One Service's rollout: where it is and where it goes. */
    record Plan(String service, Service existing, Service manifest, RevisionTemplateSpec template, String stable,
                String candidate, boolean candidateReady) {
        boolean firstDeploy() {
            return existing == null;
        }

        boolean upToDate() {
            List<TrafficTarget> traffic = existing == null ? List.of() : Traffic.of(existing);
            return existing != null && candidateReady && candidate.equals(Traffic.stable(traffic))
                    && Traffic.tagged(traffic, Traffic.CANDIDATE) == null
                    && candidate.equals(templateName(existing));
        }

        List<TrafficTarget> existingTraffic() {
            return existing == null ? List.of() : Traffic.of(existing);
        }
    }

    private final Knative knative;
    private final KubernetesClient kubernetes;
    private final Gates gates;
    private final PrintWriter out;

    Deploy(Knative knative, KubernetesClient kubernetes, Gates gates, PrintWriter out) {
        this.knative = knative;
        this.kubernetes = kubernetes;
        this.gates = gates;
        this.out = out;
    }

    static List<Plan> plan(Knative knative, Manifest manifest, String selector, String image, String version) {
        List<Plan> plans = new ArrayList<>();
        List<Service> sources = manifest != null
                ? manifest.knativeServices().stream().filter(s -> Labels.matches(selector, s)).toList()
                : knative.services(selector);
        if (sources.isEmpty()) {
            throw new RolloutException(ExitCode.CLUSTER_ERROR, manifest != null
                    ? "no Knative Service matching '" + selector + "' in the manifest"
                    : "no Knative Service matching '" + selector + "' in namespace " + knative.namespace()
                    + " (first deploy needs --manifest)");
        }
        for (Service source : sources) {
            String name = source.getMetadata().getName();
            Service existing = manifest != null ? knative.service(name).orElse(null) : source;
            RevisionTemplateSpec template = Serialization.jsonMapper()
                    .convertValue(source.getSpec().getTemplate(), RevisionTemplateSpec.class);
            String revision = name + "-" + version;
            if (template.getMetadata() == null) {
                template.setMetadata(new ObjectMetaBuilder().build());
            }
            template.getMetadata().setName(revision);
            template.getSpec().getContainers().get(0).setImage(image);
            String stable = existing == null ? null : Traffic.stable(Traffic.of(existing));
            if (stable == null && existing != null && existing.getStatus() != null) {
                // A Service that routes by latestRevision (created by hand): its latest ready revision is stable.
                stable = existing.getStatus().getLatestReadyRevisionName();
            }
            boolean candidateReady = existing != null && knative.revision(revision).map(Knative::readiness)
                    .filter("True"::equals).isPresent();
            plans.add(new Plan(name, existing, manifest != null ? source : null, template, stable, revision,
                    candidateReady));
        }
        return plans;
    }

    static List<Long> steps(List<Long> steps) {
        long previous = 0;
        for (long step : steps) {
            if (step < 1 || step > 100 || step <= previous) {
                throw new RolloutException(ExitCode.USAGE,
                        "--steps must be increasing percentages within 1..100, e.g. 10,50,100");
            }
            previous = step;
        }
        return steps;
    }

    void printPlan(List<Plan> plans, List<Long> steps) {
        for (Plan plan : plans) {
            if (plan.upToDate()) {
                out.printf("%s: %s already serves 100%%: nothing to do%n", plan.service(), plan.candidate());
                continue;
            }
            out.printf("%s: %s -> %s%n", plan.service(), plan.stable() == null ? "(new service)" : plan.stable(),
                    plan.candidate());
            if (plan.firstDeploy()) {
                out.printf("  create with %s%n", Traffic.describe(Traffic.split(List.of(), null, plan.candidate(), 100)));
                continue;
            }
            out.printf("  candidate: %s%n", Traffic.describe(candidateTraffic(plan)));
            for (long step : steps) {
                out.printf("  step %d%%: %s%n", step,
                        Traffic.describe(Traffic.split(plan.existingTraffic(), plan.stable(), plan.candidate(), step)));
            }
        }
        out.flush();
    }

    static List<TrafficTarget> candidateTraffic(Plan plan) {
        List<TrafficTarget> traffic = new ArrayList<>();
        if (plan.stable() != null && !plan.stable().equals(plan.candidate())) {
            traffic.add(Traffic.target(plan.stable(), 100, Traffic.CURRENT));
            traffic.add(Traffic.target(plan.candidate(), 0, Traffic.CANDIDATE));
        } else {
            traffic.add(Traffic.target(plan.candidate(), 100, Traffic.CURRENT));
        }
        traffic.addAll(Traffic.others(plan.existingTraffic()));
        return traffic;
    }

    void applySupporting(Manifest manifest) {
        for (HasMetadata resource : manifest.supporting()) {
            resource.getMetadata().setNamespace(knative.namespace());
            resource.getMetadata().setResourceVersion(null);
            kubernetes.resource(resource).inNamespace(knative.namespace()).createOr(NonDeletingOperation::update);
            out.printf("applied %s/%s%n", resource.getKind(), resource.getMetadata().getName());
        }
        out.flush();
    }

    int run(List<Plan> all, List<Long> steps, Duration interval) {
        List<Plan> plans = all.stream().filter(p -> !p.upToDate()).toList();
        if (plans.isEmpty()) {
            out.println("everything is up to date");
            out.flush();
            return ExitCode.OK;
        }
        try {
            for (Plan plan : plans) {
                writeCandidate(plan);
            }
            for (Plan plan : plans) {
                knative.awaitRevisionReady(plan.candidate());
                Service routed = knative.awaitRouted(plan.service(), candidateTraffic(plan));
                gates.smoke(plan.service(), Knative.tagUrl(routed, stableIsCandidate(plan)
                        ? Traffic.CURRENT : Traffic.CANDIDATE));
            }
            long last = 0;
            for (long step : steps) {
                last = step;
                for (Plan plan : plans) {
                    if (!stableIsCandidate(plan)) {
                        knative.setTraffic(plan.service(),
                                Traffic.split(plan.existingTraffic(), plan.stable(), plan.candidate(), step));
                    }
                }
                List<Service> routed = new ArrayList<>();
                for (Plan plan : plans) {
                    routed.add(knative.awaitRouted(plan.service(),
                            stableIsCandidate(plan) ? candidateTraffic(plan)
                                    : Traffic.split(plan.existingTraffic(), plan.stable(), plan.candidate(), step)));
                    out.printf("%s: %d%% on %s%n", plan.service(), step, plan.candidate());
                    out.flush();
                }
                if (step < 100 && !interval.isZero()) {
                    out.printf("soaking %ds at %d%%%n", interval.toSeconds(), step);
                    out.flush();
                    Knative.sleep(interval);
                }
                for (int i = 0; i < plans.size(); i++) {
                    gateStep(plans.get(i), routed.get(i), step);
                }
            }
            for (Plan plan : plans) {
                if (last >= 100) {
                    knative.moveNoGc(plan.stable(), plan.candidate());
                    if (plan.stable() != null && !plan.stable().equals(plan.candidate())) {
                        knative.annotateService(plan.service(), Knative.PREVIOUS, plan.stable());
                    }
                    out.printf("%s: promoted %s%n", plan.service(), plan.candidate());
                } else {
                    out.printf("%s: candidate %s left at %d%%: run `rollout promote` or `rollout rollback`%n",
                            plan.service(), plan.candidate(), last);
                }
            }
            out.flush();
            return ExitCode.OK;
        } catch (Knative.GateFailure failure) {
            out.printf("gate failed: %s%n", failure.getMessage());
            out.flush();
            return rollBack(plans, failure.getMessage());
        }
    }

    static String templateName(Service service) {
        return service.getSpec() == null || service.getSpec().getTemplate() == null
                || service.getSpec().getTemplate().getMetadata() == null ? null
                : service.getSpec().getTemplate().getMetadata().getName();
    }

    private static boolean stableIsCandidate(Plan plan) {
        return plan.stable() == null || plan.stable().equals(plan.candidate());
    }

    private void gateStep(Plan plan, Service routed, long step) {
        if (knative.revision(plan.candidate()).map(Knative::readiness).filter("True"::equals).isEmpty()) {
            throw new Knative.GateFailure("revision " + plan.candidate() + " is no longer Ready");
        }
        boolean promoted = step >= 100 || stableIsCandidate(plan);
        gates.smoke(plan.service(), Knative.tagUrl(routed, promoted ? Traffic.CURRENT : Traffic.CANDIDATE));
        gates.metrics(knative.namespace(), plan.service(), plan.candidate());
    }

    private void writeCandidate(Plan plan) {
        if (plan.firstDeploy()) {
            Service created = new ServiceBuilder()
                    .withMetadata(new ObjectMetaBuilder().withName(plan.service()).withNamespace(knative.namespace())
                            .withLabels(plan.manifest().getMetadata().getLabels())
                            .withAnnotations(plan.manifest().getMetadata().getAnnotations()).build())
                    .withNewSpec().withTemplate(plan.template()).withTraffic(candidateTraffic(plan)).endSpec()
                    .build();
            knative.create(created);
            out.printf("%s: created with %s%n", plan.service(), plan.candidate());
        } else if (plan.candidate().equals(templateName(plan.existing()))) {
            // A re-run after a failed or partial deploy: the revision exists; only traffic moves.
            knative.setTraffic(plan.service(), candidateTraffic(plan));
            out.printf("%s: %s exists, tagged %s at 0%%%n", plan.service(), plan.candidate(), Traffic.CANDIDATE);
        } else {
            knative.setTemplateAndTraffic(plan.service(), plan.template(), candidateTraffic(plan));
            out.printf("%s: revision %s requested, tagged %s at 0%%%n", plan.service(), plan.candidate(),
                    Traffic.CANDIDATE);
        }
        out.flush();
    }

    private int rollBack(List<Plan> plans, String reason) {
        boolean safe = true;
        for (Plan plan : plans) {
            if (stableIsCandidate(plan)) {
                out.printf("%s: no earlier revision to return to: %s stays as it is%n", plan.service(),
                        plan.candidate());
                safe = false;
                continue;
            }
            try {
                List<TrafficTarget> back = Traffic.allTo(plan.existingTraffic(), plan.stable());
                knative.setTraffic(plan.service(), back);
                knative.awaitRouted(plan.service(), back);
                out.printf("%s: rolled back: 100%% on %s%n", plan.service(), plan.stable());
            } catch (RuntimeException e) {
                out.printf("%s: ROLLBACK FAILED: %s%n", plan.service(), Rollout.oneLine(e));
                safe = false;
            }
        }
        out.flush();
        throw new RolloutException(safe ? ExitCode.ROLLED_BACK : ExitCode.NEEDS_ATTENTION,
                (safe ? "rolled back: " : "rollback incomplete, traffic needs attention: ") + reason);
    }
}
