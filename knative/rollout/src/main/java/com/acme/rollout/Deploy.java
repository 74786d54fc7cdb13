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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The deploy algorithm, in lock-step over every selected Service. Every way it can stop early (a gate, a timeout,
 * an API error, a revision that stops being Ready, SIGTERM/SIGINT) ends with the traffic back on the stable
 * revision, or with exit 5 and the command that puts it back.
 */
final class Deploy {
    /** Kinds deploy applies with the Services. RBAC, ServiceAccounts, Brokers and Namespaces are bootstrap. */
    static final Set<String> APPLIED_KINDS = Set.of("ConfigMap", "Trigger");

    /**
     * One Service's rollout: where it is and where it goes.
     *
     * @param unfinished the candidate of an earlier deploy that did not finish (killed, or a canary left below
     *                   100%), or null; this deploy starts again from the stable revision recorded by it
     */
    record Plan(String service, Service existing, Service manifest, RevisionTemplateSpec template, String stable,
                String candidate, boolean candidateReady, ServiceSettings settings, String unfinished) {
        boolean firstDeploy() {
            return existing == null;
        }

        boolean upToDate() {
            List<TrafficTarget> traffic = existing == null ? List.of() : Traffic.of(existing);
            return existing != null && candidateReady && unfinished == null
                    && candidate.equals(Traffic.stable(traffic))
                    && Traffic.tagged(traffic, Traffic.CANDIDATE) == null
                    && candidate.equals(templateName(existing));
        }

        List<TrafficTarget> existingTraffic() {
            return existing == null ? List.of() : Traffic.of(existing);
        }

        /** No other revision to split with or return to. */
        boolean noSplit() {
            return stable == null || stable.equals(candidate);
        }
    }

    /** What this run has done to one Service so far. */
    private static final class Progress {
        final Plan plan;
        /** spec.traffic as this run last read or wrote it: any other value is someone else's change. */
        List<TrafficTarget> expected;
        /** This run has written the Service (the candidate is in spec.traffic). */
        boolean touched;

        Progress(Plan plan) {
            this.plan = plan;
            this.expected = plan.existingTraffic();
        }
    }

    /** How to print the commands that put traffic back when this run cannot. */
    record Restore(String context, String namespace, String selector) {
    }

    private static final int ROLLBACK_ATTEMPTS = 3;

    private final Knative knative;
    private final KubernetesClient kubernetes;
    private final Gates gates;
    private final PrintWriter out;
    private final Restore restore;

    Deploy(Knative knative, KubernetesClient kubernetes, Gates gates, PrintWriter out, Restore restore) {
        this.knative = knative;
        this.kubernetes = kubernetes;
        this.gates = gates;
        this.out = out;
        this.restore = restore;
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
            ServiceSettings settings = ServiceSettings.of(source);
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
            String unfinished = existing == null ? null : Knative.annotation(existing, Knative.CANDIDATE);
            String recorded = existing == null ? null : Knative.annotation(existing, Knative.STABLE);
            if (unfinished != null && recorded != null && knative.revision(recorded).isPresent()) {
                stable = recorded;
            }
            boolean candidateReady = existing != null && knative.notReady(revision) == null;
            plans.add(new Plan(name, existing, manifest != null ? source : null, template, stable, revision,
                    candidateReady, settings, unfinished));
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
            if (plan.unfinished() != null) {
                out.printf("  a deploy of %s did not finish (stopped, or a canary left below 100%%): this one starts "
                        + "again from %s%n", plan.unfinished(), plan.stable());
            }
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
        if (!plan.noSplit()) {
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

    int run(List<Plan> all, List<Long> steps, Duration interval, Signals signals) {
        for (Plan plan : all) {
            if (plan.upToDate()) {
                protect(plan);
            }
        }
        List<Progress> progress = all.stream().filter(p -> !p.upToDate()).map(Progress::new).toList();
        if (progress.isEmpty()) {
            out.println("everything is up to date");
            out.flush();
            return ExitCode.OK;
        }
        try {
            for (Progress p : progress) {
                checkpoint(signals);
                writeCandidate(p);
            }
            for (Progress p : progress) {
                Plan plan = p.plan;
                knative.awaitRevisionReady(plan.candidate());
                Service routed = knative.awaitRouted(plan.service(), p.expected);
                gates.smoke(plan.service(), plan.candidate(), plan.settings(),
                        Knative.tagUrl(routed, plan.noSplit() ? Traffic.CURRENT : Traffic.CANDIDATE));
            }
            long last = 0;
            for (long step : steps) {
                last = step;
                for (Progress p : progress) {
                    checkpoint(signals);
                    if (!p.plan.noSplit()) {
                        List<TrafficTarget> next = Traffic.split(p.plan.existingTraffic(), p.plan.stable(),
                                p.plan.candidate(), step);
                        knative.change(p.plan.service(), p.expected, Knative.Change.traffic(next));
                        p.expected = next;
                    }
                }
                List<Service> routed = new ArrayList<>();
                for (Progress p : progress) {
                    routed.add(knative.awaitRouted(p.plan.service(), p.expected));
                    out.printf("%s: %d%% on %s%n", p.plan.service(), step, p.plan.candidate());
                    out.flush();
                }
                if (step < 100 && !interval.isZero()) {
                    soak(progress, step, interval);
                }
                for (int i = 0; i < progress.size(); i++) {
                    gateStep(progress.get(i).plan, routed.get(i), step);
                }
            }
            for (Progress p : progress) {
                checkpoint(signals);
                Plan plan = p.plan;
                if (last >= 100) {
                    Map<String, String> record = new LinkedHashMap<>();
                    record.put(Knative.STABLE, plan.candidate());
                    if (!plan.noSplit()) {
                        record.put(Knative.PREVIOUS, plan.stable());
                    }
                    knative.change(plan.service(), p.expected, new Knative.Change(null, null, record,
                            Set.of(Knative.CANDIDATE)));
                    knative.moveNoGc(plan.stable(), plan.candidate());
                    out.printf("%s: promoted %s%n", plan.service(), plan.candidate());
                } else {
                    out.printf("%s: candidate %s left at %d%%: run `rollout promote` or `rollout rollback`%n",
                            plan.service(), plan.candidate(), last);
                }
            }
            out.flush();
            return ExitCode.OK;
        } catch (RuntimeException failure) {
            return stop(progress, failure, signals);
        }
    }

    /** A signal may arrive while nothing waits: then the next step does not start. */
    private static void checkpoint(Signals signals) {
        if (signals != null && signals.received() != null) {
            throw new Knative.GateFailure("stopped by " + signals.received());
        }
    }

    /** Soaks the step, checking every poll interval that each candidate is still Ready. */
    private void soak(List<Progress> progress, long step, Duration interval) {
        out.printf("soaking %ds at %d%%%n", interval.toSeconds(), step);
        out.flush();
        Instant end = Instant.now().plus(interval);
        while (Instant.now().isBefore(end)) {
            Duration left = Duration.between(Instant.now(), end);
            Knative.sleep(left.compareTo(knative.poll()) < 0 ? left : knative.poll());
            for (Progress p : progress) {
                requireReady(p.plan, "during the soak at " + step + "%");
            }
        }
    }

    private void requireReady(Plan plan, String when) {
        String problem = knative.notReady(plan.candidate());
        if (problem != null) {
            throw new Knative.GateFailure(plan.service() + ": " + problem + " " + when);
        }
    }

    static String templateName(Service service) {
        return service.getSpec() == null || service.getSpec().getTemplate() == null
                || service.getSpec().getTemplate().getMetadata() == null ? null
                : service.getSpec().getTemplate().getMetadata().getName();
    }

    private void gateStep(Plan plan, Service routed, long step) {
        requireReady(plan, "at " + step + "%");
        boolean promoted = step >= 100 || plan.noSplit();
        gates.smoke(plan.service(), plan.candidate(), plan.settings(),
                Knative.tagUrl(routed, promoted ? Traffic.CURRENT : Traffic.CANDIDATE));
        gates.metrics(knative.namespace(), plan.service(), plan.candidate(), promoted ? null : plan.stable(),
                plan.settings(), () -> requireReady(plan, "while holding at " + step + "%"));
    }

    /** The stable revision is recorded in the same write that brings the candidate in, before any traffic move. */
    private void writeCandidate(Progress p) {
        Plan plan = p.plan;
        Map<String, String> record = new LinkedHashMap<>();
        record.put(Knative.STABLE, plan.noSplit() ? plan.candidate() : plan.stable());
        record.put(Knative.CANDIDATE, plan.candidate());
        List<TrafficTarget> traffic = candidateTraffic(plan);
        if (plan.firstDeploy()) {
            Map<String, String> annotations = new HashMap<>(plan.manifest().getMetadata().getAnnotations() == null
                    ? Map.of() : plan.manifest().getMetadata().getAnnotations());
            annotations.putAll(record);
            Service created = new ServiceBuilder()
                    .withMetadata(new ObjectMetaBuilder().withName(plan.service()).withNamespace(knative.namespace())
                            .withLabels(plan.manifest().getMetadata().getLabels())
                            .withAnnotations(annotations).build())
                    .withNewSpec().withTemplate(plan.template()).withTraffic(traffic).endSpec()
                    .build();
            knative.create(created);
            p.touched = true;
            out.printf("%s: created with %s%n", plan.service(), plan.candidate());
        } else {
            Knative.Change change = Knative.Change.traffic(traffic).annotating(record, Set.of());
            boolean exists = plan.candidate().equals(templateName(plan.existing()));
            knative.change(plan.service(), p.expected, exists ? change : change.withTemplate(plan.template()));
            p.touched = true;
            out.printf(exists ? "%s: %s exists, tagged %s at 0%%; stable revision %s recorded%n"
                            : "%s: revision %s requested, tagged %s at 0%%; stable revision %s recorded%n",
                    plan.service(), plan.candidate(), Traffic.CANDIDATE, record.get(Knative.STABLE));
        }
        p.expected = traffic;
        out.flush();
    }

    /** A finished deploy whose last step (moving serving.knative.dev/no-gc) did not happen: it happens now. */
    private void protect(Plan plan) {
        boolean protectedNow = knative.revision(plan.candidate()).map(r -> r.getMetadata().getAnnotations())
                .map(a -> a.containsKey(Knative.NO_GC)).orElse(false);
        if (!protectedNow) {
            knative.moveNoGc(Knative.annotation(plan.existing(), Knative.PREVIOUS), plan.candidate());
            out.printf("%s: %s protected from garbage collection (%s)%n", plan.service(), plan.candidate(),
                    Knative.NO_GC);
        }
    }

    private int stop(List<Progress> progress, RuntimeException failure, Signals signals) {
        if (signals != null) {
            signals.restoring();
        }
        // The signal interrupted this thread: clear it, or every call below would be interrupted too.
        boolean interrupted = Thread.interrupted();
        String reason = signals != null && signals.received() != null ? "stopped by " + signals.received()
                : failure instanceof Knative.GateFailure ? failure.getMessage()
                : failure instanceof Knative.ConcurrentChange ? failure.getMessage()
                : "API error: " + Rollout.oneLine(failure);
        out.printf("deploy stopped: %s%n", reason);
        out.flush();
        boolean anyTouched = progress.stream().anyMatch(p -> p.touched);
        if (!anyTouched) {
            throw new RolloutException(ExitCode.CLUSTER_ERROR, reason + "; nothing was changed");
        }
        boolean safe = true;
        for (Progress p : progress) {
            if (!p.touched) {
                continue;
            }
            Plan plan = p.plan;
            if (plan.noSplit()) {
                out.printf("%s: no earlier revision to return to: %s stays as it is%n", plan.service(),
                        plan.candidate());
                safe = false;
                continue;
            }
            if (failure instanceof Knative.ConcurrentChange change && change.service.equals(plan.service())) {
                out.printf("%s: left as someone else set it: %s%n", plan.service(), Traffic.describe(change.found));
                printRestore(plan);
                safe = false;
                continue;
            }
            String problem = rollBack(p);
            if (problem == null) {
                out.printf("%s: rolled back: 100%% on %s%n", plan.service(), plan.stable());
            } else {
                out.printf("%s: ROLLBACK FAILED: %s%n", plan.service(), problem);
                printRestore(plan);
                safe = false;
            }
        }
        out.flush();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        throw new RolloutException(safe ? ExitCode.ROLLED_BACK : ExitCode.NEEDS_ATTENTION,
                (safe ? "rolled back: " : "rollback incomplete, traffic needs attention: ") + reason
                        + (safe ? "" : "; restore with: " + rolloutRestore()));
    }

    /** Puts all traffic back on the stable revision; null when done, else why not. */
    private String rollBack(Progress p) {
        Plan plan = p.plan;
        List<TrafficTarget> back = Traffic.allTo(p.expected, plan.stable());
        Knative.Change change = Knative.Change.traffic(back).annotating(Map.of(), Set.of(Knative.CANDIDATE));
        String problem = null;
        for (int attempt = 1; attempt <= ROLLBACK_ATTEMPTS; attempt++) {
            if (attempt > 1) {
                pause(Duration.ofSeconds(attempt - 1));
            }
            try {
                knative.change(plan.service(), p.expected, change);
                p.expected = back;
                knative.awaitRouted(plan.service(), back);
                return null;
            } catch (Knative.ConcurrentChange e) {
                if (Traffic.sameSpec(back, e.found)) {
                    p.expected = back;
                    return null;
                }
                return e.getMessage();
            } catch (Knative.GateFailure e) {
                return "traffic set back, but Knative did not route it: " + e.getMessage();
            } catch (RuntimeException e) {
                problem = Rollout.oneLine(e);
                out.printf("  %s: rollback attempt %d of %d failed: %s%n", plan.service(), attempt, ROLLBACK_ATTEMPTS,
                        problem);
                out.flush();
            }
        }
        return problem;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void printRestore(Plan plan) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("op", "replace");
        op.put("path", "/spec/traffic");
        op.put("value", Traffic.allTo(plan.existingTraffic(), plan.stable()));
        String traffic = Serialization.asJson(List.of(op));
        out.printf("  restore with: %s%n", rolloutRestore());
        out.printf("  or with kubectl: kubectl%s -n %s patch ksvc %s --type=json -p '%s'%n",
                restore.context() == null || restore.context().isBlank() ? "" : " --context " + restore.context(),
                restore.namespace(), plan.service(), traffic);
    }

    /** `rollout rollback` finds the stable revision this deploy recorded (annotation stable-revision). */
    private String rolloutRestore() {
        return Rollout.invocation() + " rollback -n " + restore.namespace()
                + (restore.context() == null || restore.context().isBlank() ? "" : " --context " + restore.context())
                + " --selector " + restore.selector();
    }
}
