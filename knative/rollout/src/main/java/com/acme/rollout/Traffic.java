package com.acme.rollout;

import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.knative.serving.v1.TrafficTargetBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The traffic plans: pure functions from a Service's spec.traffic to the next one. */
final class Traffic {
    static final String CURRENT = "current";
    static final String CANDIDATE = "candidate";

    private Traffic() {
    }

    static List<TrafficTarget> of(Service service) {
        return service.getSpec() == null || service.getSpec().getTraffic() == null
                ? List.of() : service.getSpec().getTraffic();
    }

    static TrafficTarget target(String revision, long percent, String tag) {
        return new TrafficTargetBuilder().withRevisionName(revision).withPercent(percent).withTag(tag).build();
    }

    /** The stable revision: the one tagged current, else the single revision holding all the traffic. */
    static String stable(List<TrafficTarget> traffic) {
        return traffic.stream().filter(t -> CURRENT.equals(t.getTag()) && t.getRevisionName() != null)
                .map(TrafficTarget::getRevisionName).findFirst()
                .orElseGet(() -> traffic.stream()
                        .filter(t -> t.getPercent() != null && t.getPercent() == 100 && t.getRevisionName() != null)
                        .map(TrafficTarget::getRevisionName).findFirst().orElse(null));
    }

    static String tagged(List<TrafficTarget> traffic, String tag) {
        return traffic.stream().filter(t -> tag.equals(t.getTag())).map(TrafficTarget::getRevisionName)
                .filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** Entries this tool does not own (merge-request previews): kept at 0% through every change. */
    static List<TrafficTarget> others(List<TrafficTarget> traffic, String... ownTags) {
        List<String> own = List.of(ownTags);
        return traffic.stream()
                .filter(t -> t.getTag() != null && !own.contains(t.getTag())
                        && !CURRENT.equals(t.getTag()) && !CANDIDATE.equals(t.getTag()))
                .map(t -> target(t.getRevisionName(), 0, t.getTag())).toList();
    }

    /** current gets 100 - percent, candidate gets percent; at 100 the candidate becomes current. */
    static List<TrafficTarget> split(List<TrafficTarget> existing, String stable, String candidate, long percent) {
        List<TrafficTarget> next = new ArrayList<>();
        if (percent >= 100 || stable == null || stable.equals(candidate)) {
            next.add(target(candidate, 100, CURRENT));
        } else {
            next.add(target(stable, 100 - percent, CURRENT));
            next.add(target(candidate, percent, CANDIDATE));
        }
        next.addAll(others(existing));
        return next;
    }

    static List<TrafficTarget> allTo(List<TrafficTarget> existing, String revision) {
        List<TrafficTarget> next = new ArrayList<>();
        next.add(target(revision, 100, CURRENT));
        next.addAll(others(existing));
        return next;
    }

    /** Does status.traffic route exactly what spec.traffic asks for (revision, percent, tag)? */
    static boolean routed(List<TrafficTarget> wanted, List<TrafficTarget> actual) {
        if (actual == null || wanted.size() != actual.size()) {
            return false;
        }
        for (int i = 0; i < wanted.size(); i++) {
            TrafficTarget w = wanted.get(i);
            TrafficTarget a = actual.get(i);
            if (!Objects.equals(w.getRevisionName(), a.getRevisionName())
                    || !Objects.equals(percent(w), percent(a)) || !Objects.equals(w.getTag(), a.getTag())) {
                return false;
            }
        }
        return true;
    }

    static boolean sameSpec(List<TrafficTarget> a, List<TrafficTarget> b) {
        return routed(a, b);
    }

    private static long percent(TrafficTarget t) {
        return t.getPercent() == null ? 0 : t.getPercent();
    }

    static String describe(List<TrafficTarget> traffic) {
        return String.join(", ", traffic.stream()
                .map(t -> t.getRevisionName() + " " + percent(t) + "%" + (t.getTag() == null ? "" : " (" + t.getTag() + ")"))
                .toList());
    }
}
