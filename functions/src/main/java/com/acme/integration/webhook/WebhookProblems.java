package com.acme.integration.webhook;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import com.acme.integration.web.Problems;

/** A webhook that is not provably the customer's: 401, saying which check failed. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class WebhookProblems {

	@ExceptionHandler
	ResponseEntity<ProblemDetail> invalidSignature(InvalidSignatureException e) {
		return Problems.answer(
				Problems.of(HttpStatus.UNAUTHORIZED, "invalid-signature", "Invalid webhook signature", e.getMessage()),
				null);
	}

}
