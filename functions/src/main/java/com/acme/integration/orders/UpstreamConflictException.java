package com.acme.integration.orders;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** Our Orders API is still processing a request with the same Idempotency-Key (its 409). */
public final class UpstreamConflictException extends RuntimeException {

	private final @Nullable Duration retryAfter;

	public UpstreamConflictException(String message, @Nullable Duration retryAfter) {
		super(message);
		this.retryAfter = retryAfter;
	}

	public @Nullable Duration retryAfter() {
		return this.retryAfter;
	}

}
