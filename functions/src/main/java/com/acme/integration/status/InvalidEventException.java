package com.acme.integration.status;

import java.util.List;

/**
 * The CloudEvent can never be processed as sent (malformed, wrong attributes, invalid data, unknown status,
 * SHIPPED without a tracking number). Permanent: answered with 422 so that Knative Eventing sends the event
 * to the dead-letter sink at once instead of retrying it.
 */
public class InvalidEventException extends RuntimeException {

	private final List<EventViolation> violations;

	InvalidEventException(List<EventViolation> violations) {
		super("invalid CloudEvent: " + violations.size() + " violation(s)");
		if (violations.isEmpty()) {
			throw new IllegalArgumentException("an InvalidEventException needs at least one violation");
		}
		this.violations = List.copyOf(violations);
	}

	InvalidEventException(EventViolation violation) {
		this(List.of(violation));
	}

	public List<EventViolation> violations() {
		return this.violations;
	}

}
