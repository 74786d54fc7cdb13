package com.acme.integration.web;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.context.request.ServletWebRequest;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemDetailsAdviceTests {

	private final ProblemDetailsAdvice advice = new ProblemDetailsAdvice();

	private final ServletWebRequest request = new ServletWebRequest(new MockHttpServletRequest("POST", "/orderWebhook"));

	@Test
	void answersUnknownExceptionsWith500WithoutMessageOrStackTrace() {
		ResponseEntity<Object> response = this.advice
			.handleAny(new IllegalStateException("jdbc:postgresql://db.internal/orders password=hunter2"), this.request);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		ProblemDetail problem = (ProblemDetail) response.getBody();
		assertThat(problem.getType().toString()).isEqualTo("https://problems.acme.example/internal-error");
		assertThat(problem.toString()).doesNotContain("hunter2", "db.internal", "IllegalStateException");
		assertThat(problem.getProperties()).isNullOrEmpty();
	}

	@Test
	void findsAnErrorResponseWhereTheFrameworkWrappedIt() {
		ErrorResponseException tooLarge = FunctionRequestFilter.tooLarge(10);
		RuntimeException wrapped = new IllegalStateException("function failed", tooLarge);

		ResponseEntity<Object> response = this.advice.handleAny(wrapped, this.request);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
		assertThat(((ProblemDetail) response.getBody()).getType().toString())
			.isEqualTo("https://problems.acme.example/payload-too-large");
	}

	@Test
	void keepsTheHeadersOfAnErrorResponse() {
		ErrorResponseException refusal = FunctionRequestFilter.refusal(HttpStatus.SERVICE_UNAVAILABLE, "later", "Later",
				"Try again.");
		refusal.getHeaders().set("Retry-After", "7");

		ResponseEntity<Object> response = this.advice.handleAny(new IllegalStateException("failed", refusal),
				this.request);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("7");
	}

}
