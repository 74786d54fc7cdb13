package com.acme.rollout;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Map;

/** Equality-based label selectors (a=b,c=d), enough to pick Services out of a manifest. */
final class Labels {
    private Labels() {
    }

    static boolean matches(String selector, HasMetadata resource) {
        if (selector == null || selector.isBlank()) {
            return true;
        }
        Map<String, String> labels = resource.getMetadata().getLabels() == null ? Map.of()
                : resource.getMetadata().getLabels();
        for (String term : selector.split(",")) {
            String[] kv = term.split("==?", 2);
            if (kv.length != 2 || !kv[1].strip().equals(labels.get(kv[0].strip()))) {
                return false;
            }
        }
        return true;
    }
}
