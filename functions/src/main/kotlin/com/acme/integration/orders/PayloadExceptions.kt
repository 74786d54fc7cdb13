package com.acme.integration.orders

/**
 * One validation failure in a customer webhook body.
 *
 * [pointer] is a JSON Pointer into the request body written as a URI fragment ("#/data/items/0/quantity",
 * "#" for the whole document), [detail] a sentence for a human that never repeats the offending value.
 */
data class FieldError(val pointer: String, val detail: String)

/** The body is not one well-formed UTF-8 JSON document (HTTP 400, problem type malformed-json). */
class MalformedPayloadException @JvmOverloads constructor(message: String, cause: Throwable? = null) :
	RuntimeException(message, cause)

/**
 * The body is well-formed JSON but breaks the customer contract (HTTP 422, problem type validation-failed).
 * [errors] lists every failure found (not just the first), never empty.
 */
open class InvalidPayloadException(errors: List<FieldError>) :
	RuntimeException("payload has ${errors.size} field error(s)") {

	val errors: List<FieldError> = java.util.List.copyOf(errors)

	init {
		require(errors.isNotEmpty()) { "an InvalidPayloadException needs at least one field error" }
	}

}

/**
 * The event type is missing from the set we handle (order.created, order.updated, order.cancelled): an
 * [InvalidPayloadException] with a single error at "#/type", so a handler may give it its own problem type
 * (unknown-event-type) or treat it as any other validation failure.
 */
class UnknownEventTypeException :
	InvalidPayloadException(listOf(FieldError("#/type", "must be one of ${OrderEventType.wireNames()}")))
