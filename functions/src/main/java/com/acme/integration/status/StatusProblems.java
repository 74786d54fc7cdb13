package com.acme.integration.status;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import com.acme.integration.web.Problems;

/**
 * What orderStatusSync answers Knative Eventing: 422 for an event that can never be delivered (the Trigger
 * sends it to the dead-letter sink at once), 503 or 429 for a transient failure (retried with backoff).
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class StatusProblems {

	@ExceptionHandler
	ResponseEntity<ProblemDetail> invalidEvent(InvalidEventException e) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "validation-failed", "Invalid CloudEvent",
				"The event breaks the status-changed event contract; nothing was sent to the ERP.");
		problem.setProperty("errors", e.violations().stream().map(EventViolation::toProblemError).toList());
		return Problems.answer(problem, null);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> rejected(ErpRejectedException e) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "upstream-rejected",
				"Status update rejected by the ERP", "The ERP refused this status update; a retry would not change that.");
		problem.setProperty("upstreamStatus", e.erpStatus());
		return Problems.answer(problem, null);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> unavailable(ErpUnavailableException e) {
		return Problems.answer(Problems.of(e.throttled() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE,
				"upstream-unavailable", "ERP unavailable",
				"The status update could not be delivered to the ERP now; deliver the event again later."),
				e.retryAfter());
	}

}
