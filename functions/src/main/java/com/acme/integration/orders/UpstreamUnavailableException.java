package com.acme.integration.orders;

import java.time.Duration;

/**
 * Our Orders API could not be reached or kept failing transiently until the deadline. The sender
 * should deliver again after {@link #retryAfter()}; nothing was acknowledged.
 */
public final class UpstreamUnavailableException extends RuntimeException {

	private final Duration retryAfter;

	public UpstreamUnavailableException(String message, Duration retryAfter, Throwable cause) {
		super(message, cause);
		this.retryAfter = retryAfter;
	}

	public Duration retryAfter() {
		return this.retryAfter;
	}

}
