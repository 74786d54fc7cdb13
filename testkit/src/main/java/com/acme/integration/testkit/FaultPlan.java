package com.acme.integration.testkit;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which outcome each request gets: weights per outcome, drawn from a random source seeded by (seed, what the
 * request is about, attempt), so a run is reproducible whatever the thread interleaving; and how long a request
 * "past the deadline" sleeps.
 */
record FaultPlan<O extends Enum<O>>(long seed, Map<O, Integer> weights, Duration pastDeadline) {

	FaultPlan {
		weights = new EnumMap<>(weights);
		if (weights.values().stream().mapToInt(Integer::intValue).sum() <= 0) {
			throw new IllegalArgumentException("a fault plan needs a positive weight");
		}
	}

	static <O extends Enum<O>> FaultPlan<O> always(O outcome) {
		return new FaultPlan<>(0, Map.of(outcome, 1), Duration.ZERO);
	}

	/** The random source of one attempt: the first draw is the outcome, the next says before or after. */
	SplittableRandom random(String subject, int attempt) {
		return new SplittableRandom(this.seed * 0x9E3779B97F4A7C15L + subject.hashCode() * 31L + attempt);
	}

	O draw(SplittableRandom random) {
		int total = this.weights.values().stream().mapToInt(Integer::intValue).sum();
		int pick = random.nextInt(total);
		O last = null;
		for (Map.Entry<O, Integer> entry : this.weights.entrySet()) {
			pick -= entry.getValue();
			last = entry.getKey();
			if (pick < 0) {
				return last;
			}
		}
		return last;
	}

}
