package com.acme.rollout;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the gates need to know about one Knative Service, from annotations on its own metadata (set in
 * knative/base/service-*.yaml): which signed smoke traffic it gets and its request floor.
 */
record ServiceSettings(SmokeCheck smoke, int minRequests) {
    static final String PREFIX = "rollout.acme.example/";
    static final String SMOKE_CHECK = PREFIX + "smoke-check";
    static final String MIN_REQUESTS = PREFIX + "min-requests";
    /**
     * The Knative Serving config-features flags the Service's revisions need from their cluster (comma-separated):
     * a prerequisite declared beside the field that needs it, so the rendered manifest carries it.
     */
    static final String CLUSTER_FEATURES = PREFIX + "cluster-features";
    /** Keys a manifest may set; the other rollout.acme.example/ annotations are written by the CLI. */
    static final List<String> MANIFEST_KEYS = List.of(SMOKE_CHECK, MIN_REQUESTS, CLUSTER_FEATURES);
    /** Without an annotation: some evidence is always required. */
    static final int DEFAULT_MIN_REQUESTS = 20;

    /** @throws RolloutException (usage) naming the annotation when a value is invalid */
    static ServiceSettings of(HasMetadata service) {
        Map<String, String> annotations = service.getMetadata().getAnnotations() == null ? Map.of()
                : service.getMetadata().getAnnotations();
        String name = service.getMetadata().getName();
        List<String> problems = problems(annotations);
        if (!problems.isEmpty()) {
            throw new RolloutException(ExitCode.USAGE, name + ": " + problems.get(0));
        }
        String smoke = annotations.get(SMOKE_CHECK);
        String floor = annotations.get(MIN_REQUESTS);
        return new ServiceSettings(smoke == null ? SmokeCheck.NONE : SmokeCheck.of(smoke),
                floor == null ? DEFAULT_MIN_REQUESTS : Integer.parseInt(floor.strip()));
    }

    /** What is wrong with the rollout annotations, for `validate` and before a deploy changes anything. */
    static List<String> problems(Map<String, String> annotations) {
        List<String> problems = new java.util.ArrayList<>();
        String smoke = annotations.get(SMOKE_CHECK);
        if (smoke != null && SmokeCheck.find(smoke) == null) {
            problems.add("metadata.annotations: " + SMOKE_CHECK + " '" + smoke + "' must be one of "
                    + SmokeCheck.names());
        }
        String floor = annotations.get(MIN_REQUESTS);
        if (floor != null) {
            int value;
            try {
                value = Integer.parseInt(floor.strip());
            } catch (NumberFormatException e) {
                value = -1;
            }
            if (value < 1) {
                problems.add("metadata.annotations: " + MIN_REQUESTS + " '" + floor
                        + "' must be a whole number of at least 1");
            }
        }
        return problems;
    }

    /** The flags of {@link #CLUSTER_FEATURES}, empty without the annotation. */
    static Set<String> clusterFeatures(Map<String, String> annotations) {
        String value = annotations == null ? null : annotations.get(CLUSTER_FEATURES);
        if (value == null) {
            return Set.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(f -> !f.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
