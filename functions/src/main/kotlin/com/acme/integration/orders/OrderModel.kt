package com.acme.integration.orders

import com.fasterxml.jackson.annotation.JsonInclude
import com.fasterxml.jackson.annotation.JsonPropertyOrder
import com.fasterxml.jackson.annotation.JsonValue
import tools.jackson.core.JsonGenerator
import tools.jackson.databind.SerializationContext
import tools.jackson.databind.annotation.JsonSerialize
import tools.jackson.databind.ser.std.StdSerializer
import java.math.BigDecimal
import java.time.LocalDate

/** The customer event types we handle, by the name they carry on the wire ("type"). */
enum class OrderEventType(@get:JsonValue val wireName: String) {
	CREATED("order.created"),
	UPDATED("order.updated"),
	CANCELLED("order.cancelled"),

	/** Tests the connection and the signing end to end; nothing is sent to our Orders API. */
	PING("ping");

	companion object {
		/** The type whose wire name is [wireName], or null when it is not one we handle. */
		@JvmStatic
		fun fromWireName(wireName: String): OrderEventType? = entries.firstOrNull { it.wireName == wireName }

		internal fun wireNames(): String = entries.joinToString(", ") { it.wireName }
	}
}

/**
 * A validated customer event: what to do ([type]) to which of our orders ([externalRef], "<customerKey>:<orderNumber>",
 * safe to put in a URL path segment) and, for created and updated, the full order to send. [order] is null for
 * [OrderEventType.CANCELLED]: a cancellation carries nothing but the order number. A [OrderEventType.PING] has
 * neither. [occurredAt] is the event's timestamp as the customer sent it (RFC 3339), which tells our API which of two
 * events for one order is the newer.
 */
data class CustomerOrderEvent(
	val type: OrderEventType,
	val externalRef: String?,
	val order: OrderRequest?,
	val occurredAt: String? = null,
)

/**
 * Our Orders API's order (request body of POST /api/v1/orders and PUT /api/v1/orders/by-external-ref/{externalRef}).
 * Optional values that the customer did not send are omitted from the JSON, not written as null: an update is a
 * full replacement, so an omitted [notes] means "no notes".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder("externalRef", "buyer", "delivery", "lines", "notes")
data class OrderRequest(
	val externalRef: String,
	val buyer: Buyer,
	val delivery: Delivery,
	val lines: List<OrderLine>,
	val notes: String?,
)

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder("customerNumber", "name", "email", "vatId")
data class Buyer(val customerNumber: String, val name: String, val email: String?, val vatId: String?)

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder("street", "postalCode", "city", "countryCode", "requestedDate")
data class Delivery(
	val street: String,
	val postalCode: String?,
	val city: String,
	val countryCode: String,
	val requestedDate: LocalDate?,
)

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder("sku", "description", "quantity", "unitPrice")
data class OrderLine(val sku: String, val description: String?, val quantity: Int, val unitPrice: Money)

/** An exact amount in an ISO 4217 currency, written as {"amount": "19.99", "currency": "EUR"}; never a binary float. */
@JsonPropertyOrder("amount", "currency")
data class Money(
	@get:JsonSerialize(using = PlainDecimalStringSerializer::class) val amount: BigDecimal,
	val currency: String,
)

/** Writes a BigDecimal as a JSON string in plain notation ("0.0000001", never "1E-7"), keeping its scale ("19.90"). */
internal class PlainDecimalStringSerializer : StdSerializer<BigDecimal>(BigDecimal::class.java) {
	override fun serialize(value: BigDecimal, gen: JsonGenerator, ctxt: SerializationContext) {
		gen.writeString(value.toPlainString())
	}
}
