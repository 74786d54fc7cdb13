package com.acme.integration.web;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** The team's problem details: one base URI, one slug per kind of failure. Features build theirs with it. */
public final class Problems {

	private static final String TYPE_BASE = "https://problems.acme.example/";

	private Problems() {
	}

	public static ProblemDetail of(HttpStatusCode status, String slug, String title, @Nullable String detail) {
		ProblemDetail problem = ProblemDetail.forStatus(status);
		problem.setType(type(slug));
		problem.setTitle(title);
		problem.setDetail(detail);
		return problem;
	}

	/** The answer for a problem, with {@code Retry-After} in whole seconds (at least 1) when given. */
	public static ResponseEntity<ProblemDetail> answer(ProblemDetail problem, @Nullable Duration retryAfter) {
		ResponseEntity.BodyBuilder answer = ResponseEntity.status(problem.getStatus());
		if (retryAfter != null) {
			answer.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
		}
		return answer.body(problem);
	}

	static URI type(String slug) {
		return URI.create(TYPE_BASE + slug);
	}

	/** For what Spring MVC and Tomcat report themselves: the reason phrase, e.g. {@code bad-request}. */
	static String slugFor(int status) {
		HttpStatus known = HttpStatus.resolve(status);
		return (known != null) ? known.getReasonPhrase().toLowerCase(Locale.ROOT).replace(' ', '-') : "error";
	}

}
