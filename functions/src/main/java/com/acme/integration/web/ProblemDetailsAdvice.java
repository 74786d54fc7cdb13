package com.acme.integration.web;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The last word on errors, after each feature's own advice: Spring MVC's exceptions and every
 * {@link ErrorResponse} (also where the framework wrapped it) with our type URIs; anything else a 500
 * without detail, its stack trace in the log only.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

	@ExceptionHandler(Exception.class)
	@Nullable ResponseEntity<Object> handleAny(Exception ex, WebRequest request) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ErrorResponse error) {
				return handleExceptionInternal(ex, error.getBody(), error.getHeaders(), error.getStatusCode(), request);
			}
		}
		log.error("Unhandled exception while processing {}", request.getDescription(false), ex);
		return handleExceptionInternal(ex, Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error",
				"Internal error", "The request could not be processed; it was not acknowledged."), HttpHeaders.EMPTY,
				HttpStatus.INTERNAL_SERVER_ERROR, request);
	}

	/**
	 * Our type URIs for Spring MVC's own problems (about:blank). Where Tomcat took the response over after
	 * a failed body read, {@link TomcatProblemValves.IncompleteBody} answers instead.
	 */
	@Override
	protected @Nullable ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body,
			HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
		if (request.getAttribute(FunctionRequestFilter.INCOMPLETE, RequestAttributes.SCOPE_REQUEST) != null) {
			return null;
		}
		ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
		if (response != null && response.getBody() instanceof ProblemDetail problem
				&& "about:blank".equals(problem.getType().toString())) {
			problem.setType(Problems.type(Problems.slugFor(statusCode.value())));
		}
		return response;
	}

}
