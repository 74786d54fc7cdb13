package com.acme.integration.orders

import tools.jackson.core.JacksonException
import tools.jackson.core.StreamReadConstraints
import tools.jackson.core.StreamReadFeature
import tools.jackson.core.exc.StreamConstraintsException
import tools.jackson.core.json.JsonFactory
import tools.jackson.databind.DeserializationFeature
import tools.jackson.databind.JsonNode
import tools.jackson.databind.json.JsonMapper
import java.math.BigDecimal
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.nio.charset.StandardCharsets
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException
import java.util.Currency
import java.util.Locale

/**
 * Maps a customer order webhook body (their schema) to a [CustomerOrderEvent] carrying our order model.
 *
 * A pure function: no I/O, no clock, no Spring. It parses strictly (UTF-8 only, no BOM, no duplicate keys, bounded
 * nesting; a violation is a [MalformedPayloadException]) and then validates the whole document, reporting every
 * field error at once in an [InvalidPayloadException]. The rules and limits are listed in [Limits] and in
 * contracts/customer-order-webhook.schema.json; unknown properties are ignored so the customer can add fields.
 *
 * @param customerKey our key for this customer, the prefix of every externalRef ("mueller" -> "mueller:SO-100234")
 */
class CustomerOrderMapper(customerKey: String) {

	private val customerKey: String = customerKey.also {
		require(CUSTOMER_KEY.matches(it)) { "customer key must match ${CUSTOMER_KEY.pattern}" }
	}

	/** Parses, validates and maps [body]; throws [MalformedPayloadException] or [InvalidPayloadException]. */
	fun map(body: ByteArray): CustomerOrderEvent {
		val root = parse(body)
		val v = Validation()
		if (!root.isObject) {
			v.error("#", "must be a JSON object")
			throw InvalidPayloadException(v.errors)
		}
		val type = eventType(root, v)
		val occurredAt = v.timestamp(root)
		if (type == OrderEventType.PING) {
			if (v.errors.isNotEmpty()) {
				throw InvalidPayloadException(v.errors)
			}
			return CustomerOrderEvent(type, null, null, occurredAt)
		}
		val data = v.obj(root, "data", "#/data")
		if (type == null) {
			throw InvalidPayloadException(v.errors)
		}
		val orderNumber = if (data == null) null else v.orderNumber(data)
		val order = if (type == OrderEventType.CANCELLED || data == null) null else v.order(data)
		if (v.errors.isNotEmpty()) {
			throw InvalidPayloadException(v.errors)
		}
		// Without errors every part was readable: the order number always, the order unless it is a cancellation.
		val externalRef = "$customerKey:${checkNotNull(orderNumber)}"
		return CustomerOrderEvent(type, externalRef, if (type == OrderEventType.CANCELLED) null else checkNotNull(order)(externalRef),
			occurredAt)
	}

	/**
	 * Throws [MalformedPayloadException] where [body] holds U+FFFD: what the web layer makes of bytes that were not
	 * UTF-8 when it decodes the body to text. No order of the customer's carries that character.
	 */
	fun requireUtf8(body: ByteArray) {
		for (i in 0 until body.size - 2) {
			if (body[i] == 0xEF.toByte() && body[i + 1] == 0xBF.toByte() && body[i + 2] == 0xBD.toByte()) {
				throw MalformedPayloadException("request body is not valid UTF-8")
			}
		}
	}

	/**
	 * Our JSON for [event]: the order model for created and updated, {"externalRef": ...} for cancelled, {} for a
	 * ping (nothing goes to our Orders API). This is what mapOrder answers and what is meant to go to our Orders API.
	 */
	fun toJson(event: CustomerOrderEvent): ByteArray =
		JSON.writeValueAsBytes(event.order ?: event.externalRef?.let { mapOf("externalRef" to it) } ?: emptyMap<String, String>())

	private fun eventType(root: JsonNode, v: Validation): OrderEventType? {
		val node = root.get("type")
		if (node == null || node.isNull) {
			v.error("#/type", "is required")
			return null
		}
		if (!node.isString) {
			v.error("#/type", "must be a string")
			return null
		}
		val type = OrderEventType.fromWireName(node.stringValue())
		if (type == null) {
			// Nothing else can be checked without knowing the event, so this is the only error reported.
			throw UnknownEventTypeException()
		}
		return type
	}

	private fun parse(body: ByteArray): JsonNode {
		requireUtf8(body)
		if (body.size >= 3 && body[0] == 0xEF.toByte() && body[1] == 0xBB.toByte() && body[2] == 0xBF.toByte()) {
			throw MalformedPayloadException("request body must be UTF-8 JSON without a byte order mark")
		}
		val text = try {
			// Jackson would otherwise guess UTF-16/32 from the first bytes; the contract is UTF-8 only.
			StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body))
				.toString()
		}
		catch (ex: CharacterCodingException) {
			throw MalformedPayloadException("request body is not valid UTF-8", ex)
		}
		if (text.isBlank()) {
			throw MalformedPayloadException("request body is empty")
		}
		try {
			return JSON.readTree(text)
		}
		catch (ex: StreamConstraintsException) {
			throw MalformedPayloadException(
				"request body exceeds the JSON limits (nesting depth ${Limits.MAX_NESTING_DEPTH}, " +
					"string length ${Limits.MAX_JSON_STRING_LENGTH}, number length ${Limits.MAX_JSON_NUMBER_LENGTH})", ex)
		}
		catch (ex: JacksonException) {
			// Jackson's own message may quote the body; only the position is passed on.
			val where = ex.location?.let { " at line ${it.lineNr}, column ${it.columnNr}" } ?: ""
			val what = if (ex.message?.startsWith("Duplicate ") == true) "has a duplicate object key" else "is not well-formed JSON"
			throw MalformedPayloadException("request body $what$where", ex)
		}
	}

	/** Collects field errors while reading the tree; each reader returns null when the value is unusable. */
	private class Validation {

		val errors = mutableListOf<FieldError>()

		fun error(pointer: String, detail: String) {
			errors.add(FieldError(pointer, detail))
		}

		/** The timestamp as sent, or null when it is missing or no date-time with offset. */
		fun timestamp(root: JsonNode): String? {
			val text = string(root, "timestamp", "#/timestamp", required = true, maxLength = Limits.MAX_TIMESTAMP) ?: return null
			try {
				OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
				return text
			}
			catch (ex: DateTimeParseException) {
				error("#/timestamp", "must be an ISO 8601 date-time with offset, such as 2026-11-24T10:15:00Z")
				return null
			}
		}

		fun orderNumber(data: JsonNode): String? {
			val value = string(data, "orderNumber", "#/data/orderNumber", true, Limits.MAX_ORDER_NUMBER) ?: return null
			if (!ORDER_NUMBER.matches(value)) {
				error("#/data/orderNumber", "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'")
				return null
			}
			return value
		}

		/** Validates the order part of created/updated; returns how to build the order once externalRef is known. */
		fun order(data: JsonNode): ((String) -> OrderRequest)? {
			val buyer = buyer(data)
			val delivery = delivery(data)
			val lines = lines(data)
			val notes = string(data, "note", "#/data/note", false, Limits.MAX_NOTE, multiline = true)
			if (buyer == null || delivery == null || lines == null) {
				return null
			}
			return { externalRef -> OrderRequest(externalRef, buyer, delivery, lines, notes) }
		}

		private fun buyer(data: JsonNode): Buyer? {
			val customer = obj(data, "customer", "#/data/customer") ?: return null
			val p = "#/data/customer"
			val id = string(customer, "id", "$p/id", true, Limits.MAX_CUSTOMER_ID)
			val name = string(customer, "name", "$p/name", true, Limits.MAX_NAME)
			val email = string(customer, "email", "$p/email", false, Limits.MAX_EMAIL)?.let {
				if (EMAIL.matches(it) && it.substringBefore('@').length <= Limits.MAX_EMAIL_LOCAL_PART) it
				else null.also { error("$p/email", "must be an email address such as name@example.com") }
			}
			val vatId = string(customer, "vatId", "$p/vatId", false, Limits.MAX_VAT_ID)?.let {
				if (VAT_ID.matches(it)) it
				else null.also { error("$p/vatId", "must contain only letters, digits, spaces, '.', '-', '+' and '*'") }
			}
			if (id == null || name == null) {
				return null
			}
			return Buyer(id, name, email, vatId)
		}

		private fun delivery(data: JsonNode): Delivery? {
			val p = "#/data/shipTo"
			val shipTo = obj(data, "shipTo", p)
			val street = shipTo?.let { string(it, "street", "$p/street", true, Limits.MAX_STREET) }
			val postalCode = shipTo?.let { string(it, "postalCode", "$p/postalCode", false, Limits.MAX_POSTAL_CODE) }
			val city = shipTo?.let { string(it, "city", "$p/city", true, Limits.MAX_CITY) }
			val country = shipTo?.let { string(it, "country", "$p/country", true, MAX_CODE) }?.let {
				if (it in COUNTRIES) it
				else null.also { error("$p/country", "must be an ISO 3166-1 alpha-2 country code in upper case, such as DE") }
			}
			val date = requestedDate(data)
			if (street == null || city == null || country == null) {
				return null
			}
			return Delivery(street, postalCode, city, country, date)
		}

		private fun requestedDate(data: JsonNode): LocalDate? {
			val p = "#/data/requestedDeliveryDate"
			val text = string(data, "requestedDeliveryDate", p, false, MAX_CODE) ?: return null
			if (DATE.matches(text)) {
				try {
					return LocalDate.parse(text, DateTimeFormatter.ISO_LOCAL_DATE)
				}
				catch (ex: DateTimeParseException) {
					// fall through: shaped like a date but not one (2026-02-30)
				}
			}
			error(p, "must be an ISO 8601 calendar date (yyyy-MM-dd)")
			return null
		}

		private fun lines(data: JsonNode): List<OrderLine>? {
			val p = "#/data/items"
			val items = data.get("items")
			when {
				items == null || items.isNull -> error(p, "is required")
				!items.isArray -> error(p, "must be an array")
				items.isEmpty -> error(p, "must contain at least 1 item")
				items.size() > Limits.MAX_ITEMS -> error(p, "must contain at most ${Limits.MAX_ITEMS} items")
				else -> {
					val elements = (0 until items.size()).map { items.get(it) }
					val lines = elements.mapIndexed { i, item -> line(item, "$p/$i") }
					// All lines share one currency: the first valid one sets it, whatever else is wrong with its line.
					val currencies = elements.map { item -> item.get("currency")?.takeIf { it.isString }?.stringValue()?.takeIf { it in CURRENCIES } }
					val orderCurrency = currencies.firstOrNull { it != null }
					currencies.forEachIndexed { i, currency ->
						if (currency != null && currency != orderCurrency) {
							error("$p/$i/currency", "must be the same currency as the other items ($orderCurrency)")
						}
					}
					return if (lines.all { it != null }) lines.filterNotNull() else null
				}
			}
			return null
		}

		private fun line(item: JsonNode, p: String): OrderLine? {
			if (!item.isObject) {
				error(p, "must be an object")
				return null
			}
			val sku = string(item, "articleNo", "$p/articleNo", true, Limits.MAX_ARTICLE_NO)
			val description = string(item, "description", "$p/description", false, Limits.MAX_DESCRIPTION, multiline = true)
			val quantity = quantity(item, "$p/quantity")
			val amount = amount(item, "$p/unitPrice")
			val currency = string(item, "currency", "$p/currency", true, MAX_CODE)?.let {
				if (it in CURRENCIES) it
				else null.also { error("$p/currency", "must be an ISO 4217 currency code in upper case, such as EUR") }
			}
			if (sku == null || quantity == null || amount == null || currency == null) {
				return null
			}
			return OrderLine(sku, description, quantity, Money(amount, currency))
		}

		private fun quantity(item: JsonNode, p: String): Int? {
			val node = item.get("quantity")
			when {
				node == null || node.isNull -> error(p, "is required")
				!node.isNumber || !node.isIntegralNumber -> error(p, "must be an integer")
				node.bigIntegerValue().signum() <= 0 -> error(p, "must be greater than 0")
				node.bigIntegerValue() > Limits.MAX_QUANTITY.toBigInteger() -> error(p, "must be at most ${Limits.MAX_QUANTITY}")
				else -> return node.intValue()
			}
			return null
		}

		private fun amount(item: JsonNode, p: String): BigDecimal? {
			val node = item.get("unitPrice")
			if (node != null && node.isNumber) {
				error(p, "must be a decimal string such as \"19.99\", not a JSON number")
				return null
			}
			val text = string(item, "unitPrice", p, true, Limits.MAX_AMOUNT_LENGTH) ?: return null
			if (!AMOUNT.matches(text)) {
				error(p, "must be a non-negative decimal string such as \"19.99\" with at most " +
					"${Limits.MAX_AMOUNT_INTEGER_DIGITS} integer and ${Limits.MAX_AMOUNT_FRACTION_DIGITS} fraction digits")
				return null
			}
			return BigDecimal(text)
		}

		fun obj(parent: JsonNode, name: String, p: String): JsonNode? {
			val node = parent.get(name)
			when {
				node == null || node.isNull -> error(p, "is required")
				!node.isObject -> error(p, "must be an object")
				else -> return node
			}
			return null
		}

		/**
		 * A string property: required ones must be present and not blank; an optional one that is absent, null or
		 * blank counts as not given. Control characters (other than tab and line breaks in [multiline] texts) and
		 * unpaired surrogates are rejected; [maxLength] counts Unicode code points.
		 */
		fun string(parent: JsonNode, name: String, p: String, required: Boolean, maxLength: Int,
				multiline: Boolean = false): String? {
			val node = parent.get(name)
			if (node == null || node.isNull || (node.isString && node.stringValue().isBlank())) {
				if (required) {
					error(p, if (node == null || node.isNull) "is required" else "must not be blank")
				}
				return null
			}
			if (!node.isString) {
				error(p, "must be a string")
				return null
			}
			val value = node.stringValue()
			when {
				value.codePointCount(0, value.length) > maxLength -> error(p, "must be at most $maxLength characters long")
				!isCleanText(value, multiline) -> error(p, if (multiline) "must not contain control characters other than tab and line breaks"
					else "must be a single line without control characters")
				else -> return value
			}
			return null
		}

		private fun isCleanText(value: String, multiline: Boolean): Boolean {
			for ((i, c) in value.withIndex()) {
				if (Character.isISOControl(c) && !(multiline && (c == '\t' || c == '\n' || c == '\r'))) {
					return false
				}
				if (Character.isHighSurrogate(c) && (i + 1 >= value.length || !Character.isLowSurrogate(value[i + 1]))) {
					return false
				}
				if (Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value[i - 1]))) {
					return false
				}
			}
			return true
		}

	}

	/** The limits enforced, in one place (also documented in contracts/customer-order-webhook.schema.json). */
	object Limits {
		const val MAX_NESTING_DEPTH = 32
		const val MAX_JSON_STRING_LENGTH = 65_536
		const val MAX_JSON_NUMBER_LENGTH = 50
		const val MAX_TIMESTAMP = 64
		const val MAX_ORDER_NUMBER = 64
		const val MAX_CUSTOMER_ID = 64
		const val MAX_NAME = 200
		const val MAX_EMAIL = 254
		const val MAX_EMAIL_LOCAL_PART = 64
		const val MAX_VAT_ID = 32
		const val MAX_STREET = 200
		const val MAX_POSTAL_CODE = 20
		const val MAX_CITY = 100
		const val MAX_ITEMS = 500
		const val MAX_ARTICLE_NO = 64
		const val MAX_DESCRIPTION = 500
		const val MAX_NOTE = 2000
		const val MAX_QUANTITY = 1_000_000
		const val MAX_AMOUNT_INTEGER_DIGITS = 12
		const val MAX_AMOUNT_FRACTION_DIGITS = 4
		const val MAX_AMOUNT_LENGTH = MAX_AMOUNT_INTEGER_DIGITS + 1 + MAX_AMOUNT_FRACTION_DIGITS
	}

	private companion object {

		/** Generous bound for coded values (country, currency, date) so a wrong code gets the code's own message. */
		const val MAX_CODE = 64

		val CUSTOMER_KEY = Regex("^[a-z0-9][a-z0-9-]{0,31}$")

		/** Goes into a URL path segment of our API: no '/', '%', '?', '#', ':' and no "." or ".." segment. */
		val ORDER_NUMBER = Regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,${Limits.MAX_ORDER_NUMBER - 1}}$")

		/** A shape check only (one '@', a dot in the domain, no spaces); deliverability is not ours to judge. */
		val EMAIL = Regex("^[^\\s@]+@[^\\s@.]+(\\.[^\\s@.]+)+$")

		val VAT_ID = Regex("^[A-Za-z0-9][A-Za-z0-9 .+*-]*$")

		val DATE = Regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

		val AMOUNT = Regex("^(0|[1-9][0-9]{0,${Limits.MAX_AMOUNT_INTEGER_DIGITS - 1}})(\\.[0-9]{1,${Limits.MAX_AMOUNT_FRACTION_DIGITS}})?$")

		/** ISO 3166-1 alpha-2 as the JDK knows it (officially assigned codes only). */
		val COUNTRIES: Set<String> = Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA2)

		/** ISO 4217 as the JDK knows it, without XXX (no currency) and XTS (testing). */
		val CURRENCIES: Set<String> = Currency.getAvailableCurrencies().map { it.currencyCode }.toSet() - setOf("XXX", "XTS")

		val JSON: JsonMapper = JsonMapper.builder(
			JsonFactory.builder()
				.streamReadConstraints(
					StreamReadConstraints.builder()
						.maxNestingDepth(Limits.MAX_NESTING_DEPTH)
						.maxStringLength(Limits.MAX_JSON_STRING_LENGTH)
						.maxNumberLength(Limits.MAX_JSON_NUMBER_LENGTH)
						.build())
				.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
				.build())
			.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
			.build()
	}

}
