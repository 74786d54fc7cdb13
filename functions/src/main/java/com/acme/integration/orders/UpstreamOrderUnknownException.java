package com.acme.integration.orders;

import java.time.Duration;

/**
 * Our Orders API does not know the order an update or cancellation is for (its 404): the order.created
 * has not arrived yet, since senders do not order their deliveries. Never a final answer: the sender
 * delivers again after {@link #retryAfter()}, and once the order exists the update goes through.
 */
public final class UpstreamOrderUnknownException extends RuntimeException {

	private final String externalRef;

	private final Duration retryAfter;

	public UpstreamOrderUnknownException(String externalRef, Duration retryAfter) {
		super("Orders API has no order " + externalRef + " yet");
		this.externalRef = externalRef;
		this.retryAfter = retryAfter;
	}

	public String externalRef() {
		return this.externalRef;
	}

	public Duration retryAfter() {
		return this.retryAfter;
	}

}
