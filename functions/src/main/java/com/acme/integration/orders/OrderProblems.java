package com.acme.integration.orders;

import java.util.List;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import com.acme.integration.web.Problems;

/** What orderWebhook and mapOrder answer when the body or our Orders API says no. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class OrderProblems {

	@ExceptionHandler
	ResponseEntity<ProblemDetail> malformed(MalformedPayloadException e) {
		return Problems.answer(Problems.of(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", e.getMessage()),
				null);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> unknownType(UnknownEventTypeException e) {
		return invalid(e, "unknown-event-type", "Unknown event type",
				"The event type is not one we handle; nothing was sent.");
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> invalid(InvalidPayloadException e) {
		return invalid(e, "validation-failed", "Validation failed",
				"The body breaks the order webhook contract; nothing was sent.");
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> unavailable(UpstreamUnavailableException e) {
		return Problems.answer(Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "upstream-unavailable",
				"Orders API unavailable",
				"The order could not be delivered to the Orders API in time; deliver the webhook again later."),
				e.retryAfter());
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> conflict(UpstreamConflictException e) {
		return Problems.answer(Problems.of(HttpStatus.CONFLICT, "conflict", "Request in progress",
				"A request with the same webhook-id is still being processed; deliver again later."), e.retryAfter());
	}

	/**
	 * 409, not a final 4xx and not a 5xx: Standard Webhooks senders deliver again on every non-2xx, the
	 * redelivery after the order.created goes through, and an update racing its create is no failure of
	 * ours for the 5xx ratio that the rollout gates and the alerts judge.
	 */
	@ExceptionHandler
	ResponseEntity<ProblemDetail> unknownOrder(UpstreamOrderUnknownException e) {
		return Problems.answer(Problems.of(HttpStatus.CONFLICT, "order-not-known-yet", "Order not known yet",
				"Our Orders API has no order " + e.externalRef() + " yet (its order.created has not arrived); "
						+ "deliver the webhook again later."),
				e.retryAfter());
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> rejected(UpstreamRejectedException e) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "upstream-rejected",
				"Order rejected by the Orders API", e.detail());
		problem.setProperty("upstreamStatus", e.upstreamStatus());
		if (e.title() != null) {
			problem.setProperty("upstreamTitle", e.title());
		}
		if (!e.errors().isEmpty()) {
			problem.setProperty("errors",
					e.errors().stream().map(v -> new ErrorItem(v.pointer(), v.detail())).toList());
		}
		return Problems.answer(problem, null);
	}

	private static ResponseEntity<ProblemDetail> invalid(InvalidPayloadException e, String slug, String title,
			String detail) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, slug, title, detail);
		List<ErrorItem> errors = e.getErrors().stream().map(error -> new ErrorItem(error.getPointer(), error.getDetail()))
			.toList();
		problem.setProperty("errors", errors);
		return Problems.answer(problem, null);
	}

	/** One entry of the "errors" extension: a JSON pointer into the request body and what is wrong there. */
	record ErrorItem(String pointer, String detail) {
	}

}
