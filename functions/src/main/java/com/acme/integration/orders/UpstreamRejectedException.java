package com.acme.integration.orders;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Our Orders API rejected the order (a 4xx other than 409). Carries only the fields of its problem
 * detail that are safe to pass to the webhook sender, already cleaned by the client.
 */
public final class UpstreamRejectedException extends RuntimeException {

	private final int upstreamStatus;

	private final @Nullable String title;

	private final @Nullable String detail;

	private final List<Violation> errors;

	public UpstreamRejectedException(int upstreamStatus, @Nullable String title, @Nullable String detail,
			List<Violation> errors) {
		super("Orders API rejected the request with status " + upstreamStatus);
		this.upstreamStatus = upstreamStatus;
		this.title = title;
		this.detail = detail;
		this.errors = List.copyOf(errors);
	}

	public int upstreamStatus() {
		return this.upstreamStatus;
	}

	public @Nullable String title() {
		return this.title;
	}

	public @Nullable String detail() {
		return this.detail;
	}

	public List<Violation> errors() {
		return this.errors;
	}

	/** One field error reported by our Orders API; the pointer refers to our order model. */
	public record Violation(String pointer, String detail) {
	}

}
