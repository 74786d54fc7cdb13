package com.acme.integration.status;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The ERP (or its token endpoint) could not take the update now: network error, timeout, 5xx, 408, or 429.
 * Transient: answered with 503 (429 when the ERP throttled us) so that Knative Eventing retries with its
 * backoff. {@code retryAfter} is the ERP's own Retry-After when it sent one.
 */
public class ErpUnavailableException extends RuntimeException {

	private final boolean throttled;

	private final @Nullable Duration retryAfter;

	ErpUnavailableException(String message, boolean throttled, @Nullable Duration retryAfter,
			@Nullable Throwable cause) {
		super(message, cause);
		this.throttled = throttled;
		this.retryAfter = retryAfter;
	}

	/** True when the ERP answered 429: pass the throttling on (429) instead of 503. */
	public boolean throttled() {
		return this.throttled;
	}

	public @Nullable Duration retryAfter() {
		return this.retryAfter;
	}

}
