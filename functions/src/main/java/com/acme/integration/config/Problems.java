package com.acme.integration.config;

import java.net.URI;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/** Builds the team's problem details: one base URI, one slug per kind of failure. */
final class Problems {

	static final String TYPE_BASE = "https://problems.acme.example/";

	private Problems() {
	}

	static ProblemDetail of(HttpStatusCode status, String slug, String title, @Nullable String detail) {
		ProblemDetail problem = ProblemDetail.forStatus(status);
		problem.setType(type(slug));
		problem.setTitle(title);
		problem.setDetail(detail);
		return problem;
	}

	static URI type(String slug) {
		return URI.create(TYPE_BASE + slug);
	}

	/** Slug for the statuses that Spring MVC itself reports (its problems come as about:blank). */
	static String slugFor(HttpStatusCode status) {
		return switch (status.value()) {
			case 400 -> "bad-request";
			case 401 -> "unauthorized";
			case 403 -> "forbidden";
			case 404 -> "not-found";
			case 405 -> "method-not-allowed";
			case 406 -> "not-acceptable";
			case 409 -> "conflict";
			case 413 -> "payload-too-large";
			case 415 -> "unsupported-media-type";
			case 422 -> "validation-failed";
			case 503 -> "service-unavailable";
			default -> status.is5xxServerError() ? "internal-error" : "client-error";
		};
	}

}
