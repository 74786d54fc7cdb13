package com.acme.integration.config;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import com.acme.integration.orders.InvalidPayloadException;
import com.acme.integration.orders.MalformedPayloadException;
import com.acme.integration.orders.UnknownEventTypeException;
import com.acme.integration.orders.UpstreamConflictException;
import com.acme.integration.orders.UpstreamRejectedException;
import com.acme.integration.orders.UpstreamUnavailableException;
import com.acme.integration.status.ErpRejectedException;
import com.acme.integration.status.ErpUnavailableException;
import com.acme.integration.status.InvalidEventException;
import com.acme.integration.webhook.InvalidSignatureException;

/**
 * The one place where exceptions become RFC 9457 problem details. Logic classes throw plain
 * exceptions; {@link #problemFor(Throwable)} maps them (status engineer: add the status feature's
 * exceptions to its switch). Spring MVC's own exceptions are rendered by the superclass and only get
 * our type URI. Anything unknown is a 500 without detail: the stack trace goes to the log only.
 */
@RestControllerAdvice
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

	/** Functions are invoked through the framework, which may wrap what they throw. */
	@ExceptionHandler(Exception.class)
	ResponseEntity<Object> handleAny(Exception ex, WebRequest request) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ErrorResponse errorResponse) {
				return handleExceptionInternal((cause instanceof Exception e) ? e : ex, errorResponse.getBody(),
						errorResponse.getHeaders(), errorResponse.getStatusCode(), request);
			}
			MappedProblem mapped = problemFor(cause);
			if (mapped != null) {
				return ResponseEntity.status(mapped.problem().getStatus()).headers(mapped.headers())
					.body(mapped.problem());
			}
		}
		log.error("Unhandled exception while processing {}", request.getDescription(false), ex);
		ProblemDetail problem = Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
				"The request could not be processed; it was not acknowledged.");
		return ResponseEntity.internalServerError().body(problem);
	}

	/** Maps one of our plain exceptions, or returns null if it is not one of them. */
	static @Nullable MappedProblem problemFor(Throwable ex) {
		return switch (ex) {
			case InvalidSignatureException e -> new MappedProblem(
					Problems.of(HttpStatus.UNAUTHORIZED, "invalid-signature", "Invalid webhook signature", e.getMessage()));
			case MalformedPayloadException e -> new MappedProblem(
					Problems.of(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", e.getMessage()));
			case UnknownEventTypeException e -> MappedProblem.validation("unknown-event-type", "Unknown event type",
					"The event type is not one we handle; nothing was sent.", errors(e));
			case InvalidPayloadException e -> MappedProblem.validation("validation-failed", "Validation failed",
					"The body breaks the order webhook contract; nothing was sent.", errors(e));
			case UpstreamUnavailableException e -> new MappedProblem(
					Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "upstream-unavailable", "Orders API unavailable",
							"The order could not be delivered to the Orders API in time; deliver the webhook again later."),
					retryAfter(e.retryAfter()));
			case UpstreamConflictException e -> new MappedProblem(
					Problems.of(HttpStatus.CONFLICT, "conflict", "Request in progress",
							"A request with the same webhook-id is still being processed; deliver again later."),
					(e.retryAfter() != null) ? retryAfter(e.retryAfter()) : HttpHeaders.EMPTY);
			case UpstreamRejectedException e -> new MappedProblem(upstreamRejected(e));
			case InvalidEventException e -> new MappedProblem(invalidEvent(e));
			case ErpRejectedException e -> new MappedProblem(erpRejected(e));
			case ErpUnavailableException e -> new MappedProblem(
					Problems.of(e.throttled() ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.SERVICE_UNAVAILABLE,
							"upstream-unavailable", "ERP unavailable",
							"The status update could not be delivered to the ERP now; deliver the event again later."),
					(e.retryAfter() != null) ? retryAfter(e.retryAfter()) : HttpHeaders.EMPTY);
			default -> null;
		};
	}

	private static List<ErrorItem> errors(InvalidPayloadException e) {
		return e.getErrors().stream().map(error -> new ErrorItem(error.getPointer(), error.getDetail())).toList();
	}

	private static ProblemDetail upstreamRejected(UpstreamRejectedException e) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "upstream-rejected",
				"Order rejected by the Orders API", e.detail());
		problem.setProperty("upstreamStatus", e.upstreamStatus());
		if (e.title() != null) {
			problem.setProperty("upstreamTitle", e.title());
		}
		if (!e.errors().isEmpty()) {
			problem.setProperty("errors", e.errors().stream()
				.map(v -> new ErrorItem(v.pointer(), v.detail()))
				.toList());
		}
		return problem;
	}

	/** 422, so that Knative Eventing dead-letters the event at once instead of retrying it. */
	private static ProblemDetail invalidEvent(InvalidEventException e) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "validation-failed", "Invalid CloudEvent",
				"The event breaks the status-changed event contract; nothing was sent to the ERP.");
		problem.setProperty("errors", e.violations().stream().map(v -> v.toProblemError()).toList());
		return problem;
	}

	private static ProblemDetail erpRejected(ErpRejectedException e) {
		ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "upstream-rejected",
				"Status update rejected by the ERP", "The ERP refused this status update; a retry would not change that.");
		problem.setProperty("upstreamStatus", e.erpStatus());
		return problem;
	}

	static HttpHeaders retryAfter(Duration retryAfter) {
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
		return headers;
	}

	/** Gives Spring MVC's own problems (about:blank) our type URIs; never adds a stack trace. */
	@Override
	protected @Nullable ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body,
			HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
		ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
		if (response != null && response.getBody() instanceof ProblemDetail problem
				&& "about:blank".equals(problem.getType().toString())) {
			problem.setType(Problems.type(Problems.slugFor(response.getStatusCode())));
		}
		return response;
	}

	/** One entry of the "errors" extension: a JSON pointer into the request body and what is wrong there. */
	record ErrorItem(String pointer, String detail) {
	}

	record MappedProblem(ProblemDetail problem, HttpHeaders headers) {

		MappedProblem(ProblemDetail problem) {
			this(problem, HttpHeaders.EMPTY);
		}

		static MappedProblem validation(String slug, String title, String detail, List<ErrorItem> errors) {
			ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, slug, title, detail);
			problem.setProperty("errors", errors);
			return new MappedProblem(problem);
		}

	}

}
