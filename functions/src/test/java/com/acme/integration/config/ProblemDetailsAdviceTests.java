package com.acme.integration.config;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.ServletWebRequest;

import com.acme.integration.orders.UpstreamUnavailableException;

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
	void findsOurExceptionWhenTheFrameworkWrapsIt() {
		RuntimeException wrapped = new IllegalStateException("function failed",
				new UpstreamUnavailableException("down", java.time.Duration.ofSeconds(42), null));

		ResponseEntity<Object> response = this.advice.handleAny(wrapped, this.request);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("42");
		assertThat(((ProblemDetail) response.getBody()).getType().toString())
			.isEqualTo("https://problems.acme.example/upstream-unavailable");
	}

}
