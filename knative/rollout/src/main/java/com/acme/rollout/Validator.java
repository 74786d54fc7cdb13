package com.acme.rollout;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.knative.serving.v1.Configuration;
import io.fabric8.knative.serving.v1.RevisionSpec;
import io.fabric8.knative.serving.v1.RevisionTemplateSpec;
import io.fabric8.knative.serving.v1.Route;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Offline checks of a manifest against the Knative admission rules the webhook would apply, and against the
 * Knative API model (fields it does not know are rejected, as the API server's schema would prune or refuse them).
 */
final class Validator {

    static final String AUTOSCALING_PREFIX = "autoscaling.knative.dev/";
    private static final Pattern DNS_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_1123 = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /**
     * Pod-spec fields Knative accepts only when a config-features flag allows them: a revision that uses one is
     * refused on a cluster with the defaults, so it is refused here unless the flag is declared with --feature.
     */
    private static final Map<String, String> FLAGGED_POD_FIELDS = new LinkedHashMap<>();

    static {
        FLAGGED_POD_FIELDS.put("securityContext", "kubernetes.podspec-securitycontext");
        FLAGGED_POD_FIELDS.put("affinity", "kubernetes.podspec-affinity");
        FLAGGED_POD_FIELDS.put("nodeSelector", "kubernetes.podspec-nodeselector");
        FLAGGED_POD_FIELDS.put("tolerations", "kubernetes.podspec-tolerations");
        FLAGGED_POD_FIELDS.put("runtimeClassName", "kubernetes.podspec-runtimeclassname");
        FLAGGED_POD_FIELDS.put("priorityClassName", "kubernetes.podspec-priorityclassname");
        FLAGGED_POD_FIELDS.put("schedulerName", "kubernetes.podspec-schedulername");
        FLAGGED_POD_FIELDS.put("hostAliases", "kubernetes.podspec-hostaliases");
        FLAGGED_POD_FIELDS.put("dnsPolicy", "kubernetes.podspec-dnspolicy");
        FLAGGED_POD_FIELDS.put("dnsConfig", "kubernetes.podspec-dnsconfig");
        FLAGGED_POD_FIELDS.put("initContainers", "kubernetes.podspec-init-containers");
        FLAGGED_POD_FIELDS.put("topologySpreadConstraints", "kubernetes.podspec-topologyspreadconstraints");
        FLAGGED_POD_FIELDS.put("shareProcessNamespace", "kubernetes.podspec-shareprocessnamespace");
        FLAGGED_POD_FIELDS.put("hostNetwork", "kubernetes.podspec-hostnetwork");
        FLAGGED_POD_FIELDS.put("hostPID", "kubernetes.podspec-hostpid");
        FLAGGED_POD_FIELDS.put("hostIPC", "kubernetes.podspec-hostipc");
    }

    /** Pod-spec fields Knative never accepts in a revision. */
    private static final Set<String> FORBIDDEN_POD_FIELDS = Set.of("activeDeadlineSeconds", "ephemeralContainers",
            "hostname", "hostnameOverride", "nodeName", "os", "overhead", "preemptionPolicy", "priority",
            "readinessGates", "resourceClaims", "restartPolicy", "schedulingGates", "serviceAccount",
            "setHostnameAsFQDN", "subdomain", "terminationGracePeriodSeconds", "hostUsers", "resources",
            "workloadRef");

    /**
     * The config-features flags of Knative Serving besides those gating a pod field above: accepted by --feature
     * so that a manifest job can declare everything its cluster enables.
     */
    private static final Set<String> OTHER_FEATURES = Set.of("multi-container", "multi-container-probing",
            "kubernetes.podspec-fieldref", "kubernetes.podspec-dryrun", "kubernetes.podspec-persistent-volume-claim",
            "kubernetes.podspec-persistent-volume-write", "kubernetes.podspec-volumes-emptydir",
            "kubernetes.podspec-volumes-hostpath", "kubernetes.podspec-volumes-csi",
            "kubernetes.containerspec-addcapabilities", "kubernetes.podspec-securitycontext-capabilities",
            "tag-header-based-routing", "autodetect-http2", "queueproxy.mount-podinfo", "secure-pod-defaults",
            "queueproxy.resource-defaults");

    private final Set<String> features;

    /** Refuses a flag Knative does not have: a misspelt --feature would otherwise accept nothing, silently. */
    Validator(Set<String> features) {
        List<String> unknown = unknownFeatures(features);
        if (!unknown.isEmpty()) {
            throw new RolloutException(ExitCode.USAGE, "--feature " + String.join(",", unknown)
                    + ": not a Knative Serving config-features flag (e.g. "
                    + String.join(", ", FLAGGED_POD_FIELDS.values().stream().limit(3).toList()) + ")");
        }
        this.features = features;
    }

    private static List<String> unknownFeatures(Set<String> features) {
        return features.stream().filter(f -> !FLAGGED_POD_FIELDS.containsValue(f) && !OTHER_FEATURES.contains(f))
                .sorted().toList();
    }

    /** Every problem found, each one line naming the document, the field and the rule. */
    List<String> validate(Manifest manifest) {
        List<String> problems = new ArrayList<>();
        if (manifest.documents().isEmpty()) {
            problems.add("manifest: no resources");
        }
        for (Manifest.Document doc : manifest.documents()) {
            String where = doc.describe();
            List<String> found = new ArrayList<>();
            if (doc.parseError() != null) {
                found.add("does not match the API model: " + doc.parseError());
            } else if (doc.typed() instanceof GenericKubernetesResource || !(doc.typed() instanceof HasMetadata)) {
                found.add("unknown kind " + doc.raw().path("apiVersion").asText() + " "
                        + doc.raw().path("kind").asText() + " (not in the Kubernetes or Knative model)");
            } else {
                unknownFields(doc.typed(), "", found);
                HasMetadata resource = (HasMetadata) doc.typed();
                checkName(resource.getMetadata(), found);
                switch (resource) {
                    case Service service -> checkService(service, found);
                    case Configuration configuration -> {
                        checkServingMetadata(configuration.getMetadata(), found);
                        if (configuration.getSpec() != null) {
                            checkTemplate(configuration.getMetadata().getName(),
                                    configuration.getSpec().getTemplate(), "spec.template", this.features, found);
                        }
                    }
                    case Route route -> {
                        checkServingMetadata(route.getMetadata(), found);
                        if (route.getSpec() != null) {
                            checkTraffic(route.getMetadata().getName(), route.getSpec().getTraffic(), false, found);
                        }
                    }
                    default -> { }
                }
            }
            found.forEach(problem -> problems.add(where + ": " + problem));
        }
        return problems;
    }

    private static void checkName(ObjectMeta metadata, List<String> found) {
        if (metadata == null || metadata.getName() == null || metadata.getName().isBlank()) {
            found.add("metadata.name is required");
        }
    }

    private void checkService(Service service, List<String> found) {
        String name = service.getMetadata().getName();
        checkServingMetadata(service.getMetadata(), found);
        if (name != null && !(DNS_1035.matcher(name).matches() && name.length() <= 63)) {
            found.add("metadata.name '" + name + "' must be a DNS-1035 label");
        }
        if (service.getSpec() == null) {
            found.add("spec is required");
            return;
        }
        Set<String> own = ServiceSettings.clusterFeatures(service.getMetadata().getAnnotations());
        List<String> unknown = unknownFeatures(own);
        if (!unknown.isEmpty()) {
            found.add("metadata.annotations: " + ServiceSettings.CLUSTER_FEATURES + " names "
                    + String.join(", ", unknown) + ", not a Knative Serving config-features flag");
        }
        Set<String> allowed = new HashSet<>(this.features);
        allowed.addAll(own);
        checkTemplate(name, service.getSpec().getTemplate(), "spec.template", allowed, found);
        checkTraffic(name, service.getSpec().getTraffic(), true, found);
    }

    private static void checkServingMetadata(ObjectMeta metadata, List<String> found) {
        if (metadata.getAnnotations() != null) {
            metadata.getAnnotations().keySet().stream().filter(k -> k.startsWith(AUTOSCALING_PREFIX))
                    .forEach(k -> found.add("metadata.annotations: " + k
                            + " is only allowed on the revision template (spec.template.metadata.annotations)"));
            metadata.getAnnotations().keySet().stream().filter(k -> k.startsWith(ServiceSettings.PREFIX))
                    .filter(k -> !ServiceSettings.MANIFEST_KEYS.contains(k))
                    .forEach(k -> found.add("metadata.annotations: " + k + " is not a setting of the rollout CLI "
                            + "(settings: " + String.join(", ", ServiceSettings.MANIFEST_KEYS) + "; the others are "
                            + "written by it)"));
            found.addAll(ServiceSettings.problems(metadata.getAnnotations()));
        }
    }

    private static void checkTemplate(String owner, RevisionTemplateSpec template, String path, Set<String> features,
            List<String> found) {
        if (template == null) {
            found.add(path + " is required");
            return;
        }
        ObjectMeta meta = template.getMetadata();
        if (meta != null && meta.getName() != null && owner != null) {
            checkRevisionName(owner, meta.getName(), path + ".metadata.name", found);
        }
        if (meta != null && meta.getAnnotations() != null) {
            checkScaleBounds(meta.getAnnotations(), path + ".metadata.annotations", found);
        }
        RevisionSpec spec = template.getSpec();
        if (spec == null || spec.getContainers() == null || spec.getContainers().isEmpty()) {
            found.add(path + ".spec.containers: at least one container is required");
            return;
        }
        if (spec.getContainers().size() > 1 && !features.contains("multi-container")) {
            found.add(path + ".spec.containers: more than one container needs the multi-container feature");
        }
        if (spec.getContainerConcurrency() != null
                && (spec.getContainerConcurrency() < 0 || spec.getContainerConcurrency() > 1000)) {
            found.add(path + ".spec.containerConcurrency must be within 0..1000");
        }
        if (spec.getTimeoutSeconds() != null && spec.getTimeoutSeconds() < 0) {
            found.add(path + ".spec.timeoutSeconds must not be negative");
        }
        for (String field : setPodFields(spec)) {
            if (FORBIDDEN_POD_FIELDS.contains(field)) {
                found.add(path + ".spec." + field + " is not allowed in a Knative revision");
            } else if (FLAGGED_POD_FIELDS.containsKey(field) && !features.contains(FLAGGED_POD_FIELDS.get(field))) {
                found.add(path + ".spec." + field + " needs the config-features flag "
                        + FLAGGED_POD_FIELDS.get(field) + " (declare it as the Service's cluster prerequisite, "
                        + ServiceSettings.CLUSTER_FEATURES + ", or with --feature if the cluster has it)");
            }
        }
    }

    private static void checkRevisionName(String owner, String revision, String path, List<String> found) {
        if (!revision.startsWith(owner + "-")) {
            found.add(path + " '" + revision + "' must start with '" + owner + "-'");
        }
        if (!DNS_1123.matcher(revision).matches() || revision.length() > 63) {
            found.add(path + " '" + revision + "' must be a DNS-1123 label of at most 63 characters");
        }
    }

    private static void checkScaleBounds(Map<String, String> annotations, String path, List<String> found) {
        Integer min = intAnnotation(annotations, "min-scale", path, found);
        Integer max = intAnnotation(annotations, "max-scale", path, found);
        intAnnotation(annotations, "initial-scale", path, found);
        if (min != null && max != null && max > 0 && min > max) {
            found.add(path + ": " + AUTOSCALING_PREFIX + "min-scale (" + min + ") must not exceed "
                    + AUTOSCALING_PREFIX + "max-scale (" + max + ")");
        }
    }

    private static Integer intAnnotation(Map<String, String> annotations, String key, String path,
                                         List<String> found) {
        String value = annotations.get(AUTOSCALING_PREFIX + key);
        if (value == null) {
            return null;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed < 0) {
                found.add(path + ": " + AUTOSCALING_PREFIX + key + " must not be negative");
            }
            return parsed;
        } catch (NumberFormatException e) {
            found.add(path + ": " + AUTOSCALING_PREFIX + key + " '" + value + "' is not an integer");
            return null;
        }
    }

    private static void checkTraffic(String owner, List<TrafficTarget> traffic, boolean ownRevisionsOnly,
                                     List<String> found) {
        if (traffic == null || traffic.isEmpty()) {
            return;
        }
        long sum = 0;
        Set<String> tags = new HashSet<>();
        for (int i = 0; i < traffic.size(); i++) {
            TrafficTarget target = traffic.get(i);
            String path = "spec.traffic[" + i + "]";
            long percent = target.getPercent() == null ? 0 : target.getPercent();
            if (percent < 0 || percent > 100) {
                found.add(path + ".percent " + percent + " must be within 0..100");
            }
            sum += percent;
            boolean latest = Boolean.TRUE.equals(target.getLatestRevision());
            if (latest == (target.getRevisionName() != null)) {
                found.add(path + ": exactly one of revisionName or latestRevision: true is required");
            }
            if (target.getRevisionName() != null && ownRevisionsOnly) {
                checkRevisionName(owner, target.getRevisionName(), path + ".revisionName", found);
            }
            if (target.getTag() != null) {
                String tag = target.getTag();
                if (!DNS_1035.matcher(tag).matches() || tag.length() > 63) {
                    found.add(path + ".tag '" + tag + "' must be a DNS-1035 label (lower case letters, digits, "
                            + "'-', starting with a letter)");
                }
                if (!tags.add(tag)) {
                    found.add(path + ".tag '" + tag + "' is used more than once");
                }
            }
            if (target.getUrl() != null) {
                found.add(path + ".url is set by Knative and must not be written");
            }
        }
        if (sum != 100) {
            found.add("spec.traffic: percents sum to " + sum + ", must be 100");
        }
    }

    /** The names of the pod-spec fields a revision spec sets. */
    private static List<String> setPodFields(RevisionSpec spec) {
        List<String> set = new ArrayList<>();
        for (Field field : RevisionSpec.class.getDeclaredFields()) {
            JsonProperty property = field.getAnnotation(JsonProperty.class);
            if (property == null || Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            Object value = read(field, spec);
            boolean present = value != null && !(value instanceof java.util.Collection<?> c && c.isEmpty())
                    && !(value instanceof Map<?, ?> m && m.isEmpty());
            if (present) {
                set.add(property.value());
            }
        }
        return set;
    }

    /**
     * Walks the typed object: every fabric8 model class keeps the fields it does not know in
     * additionalProperties, so anything found there is a field the Knative (or Kubernetes) model does not have.
     */
    static void unknownFields(Object node, String path, List<String> found) {
        if (node == null) {
            return;
        }
        if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                unknownFields(list.get(i), path + "[" + i + "]", found);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, found));
            return;
        }
        Class<?> type = node.getClass();
        if (!type.getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                if (field.getName().equals("additionalProperties")) {
                    Object extra = read(field, node);
                    if (extra instanceof Map<?, ?> m && !m.isEmpty()) {
                        m.keySet().forEach(k -> found.add("unknown field " + join(path, String.valueOf(k))));
                    }
                    continue;
                }
                JsonProperty property = field.getAnnotation(JsonProperty.class);
                if (property != null) {
                    unknownFields(read(field, node), join(path, property.value()), found);
                }
            }
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static Object read(Field field, Object target) {
        try {
            field.setAccessible(true);
            return field.get(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
