package com.acme.integration.orders

import com.acme.integration.orders.WebhookSamples.REMOVE
import com.acme.integration.orders.WebhookSamples.bytes
import com.acme.integration.orders.WebhookSamples.edit
import com.acme.integration.orders.WebhookSamples.editCreated
import com.acme.integration.orders.WebhookSamples.item
import com.acme.integration.orders.WebhookSamples.raw
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.assertj.core.api.Assertions.assertThatIllegalArgumentException
import org.junit.jupiter.api.Nested
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.math.BigDecimal
import java.time.LocalDate

class CustomerOrderMapperTests {

	private val mapper = CustomerOrderMapper("mueller")

	private fun errorsOf(body: ByteArray): List<FieldError> {
		try {
			mapper.map(body)
		}
		catch (ex: InvalidPayloadException) {
			return ex.errors
		}
		throw AssertionError("expected an InvalidPayloadException")
	}

	private fun pointersOf(body: ByteArray): List<String> = errorsOf(body).map { it.pointer }

	private fun malformedMessage(body: ByteArray): String {
		try {
			mapper.map(body)
		}
		catch (ex: MalformedPayloadException) {
			return ex.message!!
		}
		throw AssertionError("expected a MalformedPayloadException")
	}

	private fun json(body: ByteArray): String = String(mapper.toJson(mapper.map(body)), Charsets.UTF_8)

	@Nested
	inner class Mapping {

		@Test
		fun mapsTheIssueExampleToExactlyOurOrderModel() {
			assertThat(json(bytes("order-created.json"))).isEqualTo(
				"""{"externalRef":"mueller:SO-100234",""" +
					""""buyer":{"customerNumber":"C-4711","name":"Müller GmbH","email":"einkauf@mueller.example","vatId":"DE123456789"},""" +
					""""delivery":{"street":"Hauptstr. 5","postalCode":"10115","city":"Berlin","countryCode":"DE","requestedDate":"2026-12-01"},""" +
					""""lines":[{"sku":"A-100","description":"Widget","quantity":3,"unitPrice":{"amount":"19.99","currency":"EUR"}}],""" +
					""""notes":"Ring twice"}""")
		}

		@Test
		fun mapsEveryFieldOfACreatedOrder() {
			val event = mapper.map(bytes("order-created.json"))

			assertThat(event.type).isEqualTo(OrderEventType.CREATED)
			assertThat(event.externalRef).isEqualTo("mueller:SO-100234")
			assertThat(event.order).isEqualTo(OrderRequest(
				externalRef = "mueller:SO-100234",
				buyer = Buyer("C-4711", "Müller GmbH", "einkauf@mueller.example", "DE123456789"),
				delivery = Delivery("Hauptstr. 5", "10115", "Berlin", "DE", LocalDate.of(2026, 12, 1)),
				lines = listOf(OrderLine("A-100", "Widget", 3, Money(BigDecimal("19.99"), "EUR"))),
				notes = "Ring twice"))
		}

		@Test
		fun mapsAnUpdatedOrderWithAllItsLines() {
			val event = mapper.map(bytes("order-updated.json"))

			assertThat(event.type).isEqualTo(OrderEventType.UPDATED)
			assertThat(event.externalRef).isEqualTo("mueller:SO-100234")
			assertThat(event.order!!.lines).containsExactly(
				OrderLine("A-100", "Widget", 5, Money(BigDecimal("19.99"), "EUR")),
				OrderLine("B-220", "Widget mounting bracket, galvanised", 10, Money(BigDecimal("2.50"), "EUR")))
			assertThat(event.order!!.notes).isNull()
		}

		@Test
		fun mapsACancellationToItsExternalRefOnly() {
			val event = mapper.map(bytes("order-cancelled.json"))

			assertThat(event).isEqualTo(CustomerOrderEvent(OrderEventType.CANCELLED, "mueller:SO-100234", null,
				"2026-11-25T08:30:00Z"))
			assertThat(json(bytes("order-cancelled.json"))).isEqualTo("""{"externalRef":"mueller:SO-100234"}""")
		}

		@Test
		fun ignoresEverythingButTheOrderNumberInACancellation() {
			val body = edit("order-cancelled.json", "/data/items" to "not an array", "/data/reason" to "customer request")

			assertThat(mapper.map(body).externalRef).isEqualTo("mueller:SO-100234")
		}

		@Test
		fun omitsOptionalValuesTheCustomerDidNotSend() {
			assertThat(json(bytes("order-created-minimal.json"))).isEqualTo(
				"""{"externalRef":"mueller:SO-100236",""" +
					""""buyer":{"customerNumber":"C-0815","name":"Hofmann & Söhne KG"},""" +
					""""delivery":{"street":"Marktplatz 1","city":"Wien","countryCode":"AT"},""" +
					""""lines":[{"sku":"A-100","quantity":1,"unitPrice":{"amount":"19.99","currency":"EUR"}}]}""")
		}

		@Test
		fun treatsNullAndBlankOptionalValuesAsNotGiven() {
			val order = mapper.map(editCreated("/data/customer/email" to "", "/data/customer/vatId" to null,
				"/data/shipTo/postalCode" to " ", "/data/note" to null, "/data/requestedDeliveryDate" to "",
				"/data/items/0/description" to null)).order!!

			assertThat(order.buyer.email).isNull()
			assertThat(order.buyer.vatId).isNull()
			assertThat(order.delivery.postalCode).isNull()
			assertThat(order.delivery.requestedDate).isNull()
			assertThat(order.notes).isNull()
			assertThat(order.lines[0].description).isNull()
		}

		@Test
		fun ignoresUnknownProperties() {
			val order = mapper.map(editCreated("/data/customer/loyaltyTier" to "gold", "/source" to "erp-7")).order

			assertThat(order).isEqualTo(mapper.map(bytes("order-created.json")).order)
		}

		@Test
		fun keepsTextAsSentIncludingLineBreaksInNotes() {
			val order = mapper.map(editCreated("/data/note" to "Ring twice.\nThen knock.", "/data/customer/name" to "  Ça va Ölmühle 株式会社 ")).order!!

			assertThat(order.notes).isEqualTo("Ring twice.\nThen knock.")
			assertThat(order.buyer.name).isEqualTo("  Ça va Ölmühle 株式会社 ")
		}

		@ParameterizedTest
		@ValueSource(strings = ["0", "0.00", "2.50", "19.9", "0.0001", "100", "999999999999.9999"])
		fun keepsTheUnitPriceExactlyAsSent(amount: String) {
			val body = editCreated("/data/items/0/unitPrice" to amount)

			assertThat(mapper.map(body).order!!.lines[0].unitPrice.amount).isEqualTo(BigDecimal(amount)).hasToString(amount)
			assertThat(json(body)).contains(""""unitPrice":{"amount":"$amount","currency":"EUR"}""")
		}

		@Test
		fun acceptsUpTo500ItemsInOneCurrency() {
			val items = raw("[" + (1..500).joinToString(",") { item("A-$it").toString() } + "]")

			assertThat(mapper.map(editCreated("/data/items" to items)).order!!.lines).hasSize(500)
		}

		@Test
		fun acceptsAnOrderNumberOf64SafeCharacters() {
			val orderNumber = "A" + "b.1_-".repeat(12) + "xyz"

			assertThat(mapper.map(editCreated("/data/orderNumber" to orderNumber)).externalRef).isEqualTo("mueller:$orderNumber")
		}

		@Test
		fun acceptsTimestampsWithAnyOffset() {
			assertThat(mapper.map(editCreated("/timestamp" to "2026-11-24T11:15:00.123+01:00")).type).isEqualTo(OrderEventType.CREATED)
		}

		@Test
		fun rejectsAnInvalidCustomerKeyAtConstruction() {
			assertThatIllegalArgumentException().isThrownBy { CustomerOrderMapper("Müller:") }
				.withMessageContaining("customer key")
		}

	}

	@Nested
	inner class MalformedBodies {

		@Test
		fun rejectsTruncatedJsonWithItsPositionButNotItsContent() {
			val message = malformedMessage(bytes("malformed.json"))

			assertThat(message).startsWith("request body is not well-formed JSON at line").doesNotContain("C-4711")
		}

		@ParameterizedTest
		@ValueSource(strings = ["", "   \n", "not json", "{\"type\": }", "{} {}", "{\"a\": 1} trailing", "[1, 2,]", "{'type': 'order.created'}"])
		fun rejectsBodiesThatAreNotOneJsonDocument(body: String) {
			assertThatExceptionOfType(MalformedPayloadException::class.java).isThrownBy { mapper.map(body.toByteArray()) }
		}

		@Test
		fun rejectsDuplicateKeys() {
			val body = """{"type": "order.created", "type": "order.cancelled", "timestamp": "2026-11-24T10:15:00Z", "data": {}}"""

			assertThat(malformedMessage(body.toByteArray())).contains("duplicate object key")
		}

		@Test
		fun rejectsDuplicateKeysInNestedObjects() {
			val body = String(bytes("order-created.json")).replace("\"quantity\": 3,", "\"quantity\": 3, \"quantity\": 300,")

			assertThat(malformedMessage(body.toByteArray())).contains("duplicate object key")
		}

		@Test
		fun rejectsAByteOrderMark() {
			val body = byteArrayOf(0xEF.toByte(), 0xBB.toByte(), 0xBF.toByte()) + bytes("order-created.json")

			assertThat(malformedMessage(body)).contains("byte order mark")
		}

		@Test
		fun rejectsInvalidUtf8() {
			val body = bytes("order-created.json").toMutableList().apply { add(indexOf('M'.code.toByte()), 0xC3.toByte()) }.toByteArray()

			assertThat(malformedMessage(body)).isEqualTo("request body is not valid UTF-8")
		}

		@Test
		fun rejectsLatin1EncodedText() {
			val body = String(bytes("order-created.json"), Charsets.UTF_8).toByteArray(Charsets.ISO_8859_1)

			assertThat(malformedMessage(body)).isEqualTo("request body is not valid UTF-8")
		}

		@Test
		fun rejectsUtf16EvenThoughJacksonCouldDetectIt() {
			val body = String(bytes("order-created.json"), Charsets.UTF_8).toByteArray(Charsets.UTF_16LE)

			assertThatExceptionOfType(MalformedPayloadException::class.java).isThrownBy { mapper.map(body) }
		}

		@Test
		fun rejectsNestingDeeperThanTheLimit() {
			val depth = CustomerOrderMapper.Limits.MAX_NESTING_DEPTH + 1
			val body = editCreated("/data/note" to raw("[".repeat(depth) + "]".repeat(depth)))

			assertThat(malformedMessage(body)).contains("exceeds the JSON limits")
		}

		@Test
		fun acceptsNestingUpToTheLimitAndReportsTheWrongType() {
			// root object + data + note array = 3 levels already
			val depth = CustomerOrderMapper.Limits.MAX_NESTING_DEPTH - 2
			val body = editCreated("/data/note" to raw("[".repeat(depth) + "]".repeat(depth)))

			assertThat(errorsOf(body)).containsExactly(FieldError("#/data/note", "must be a string"))
		}

	}

	@Nested
	inner class Envelope {

		@ParameterizedTest
		@ValueSource(strings = ["[]", "\"order.created\"", "42", "null"])
		fun rejectsADocumentThatIsNotAnObject(body: String) {
			assertThat(errorsOf(body.toByteArray())).containsExactly(FieldError("#", "must be a JSON object"))
		}

		@Test
		fun rejectsAnUnknownEventTypeWithASingleErrorAtType() {
			assertThatExceptionOfType(UnknownEventTypeException::class.java)
				.isThrownBy { mapper.map(bytes("unknown-type.json")) }
				.satisfies({ ex -> assertThat(ex.errors).containsExactly(
					FieldError("#/type", "must be one of order.created, order.updated, order.cancelled, ping")) })
		}

		@ParameterizedTest
		@ValueSource(strings = ["ORDER.CREATED", "order.created ", "order", ""])
		fun matchesTheEventTypeExactly(type: String) {
			assertThatExceptionOfType(UnknownEventTypeException::class.java).isThrownBy { mapper.map(editCreated("/type" to type)) }
		}

		@Test
		fun requiresTheType() {
			assertThat(errorsOf(editCreated("/type" to REMOVE))).containsExactly(FieldError("#/type", "is required"))
		}

		@Test
		fun requiresTheTypeToBeAString() {
			assertThat(errorsOf(editCreated("/type" to 1))).containsExactly(FieldError("#/type", "must be a string"))
		}

		@Test
		fun requiresTheTimestamp() {
			assertThat(errorsOf(editCreated("/timestamp" to REMOVE))).containsExactly(FieldError("#/timestamp", "is required"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["2026-11-24", "2026-11-24T10:15:00", "2026-11-24 10:15:00Z", "24.11.2026 10:15", "2026-13-24T10:15:00Z"])
		fun requiresTheTimestampToBeAnIsoDateTimeWithOffset(timestamp: String) {
			assertThat(pointersOf(editCreated("/timestamp" to timestamp))).containsExactly("#/timestamp")
		}

		@Test
		fun requiresData() {
			assertThat(errorsOf(editCreated("/data" to REMOVE))).containsExactly(FieldError("#/data", "is required"))
		}

		@Test
		fun requiresDataToBeAnObject() {
			assertThat(errorsOf(editCreated("/data" to "SO-100234"))).containsExactly(FieldError("#/data", "must be an object"))
		}

		@Test
		fun mapsAPingToNothingToSend() {
			val event = mapper.map(bytes("ping.json"))

			assertThat(event.type).isEqualTo(OrderEventType.PING)
			assertThat(event.externalRef).isNull()
			assertThat(json(bytes("ping.json"))).isEqualTo("{}")
		}

		@Test
		fun checksTheTimestampOfAPingAndIgnoresItsData() {
			assertThat(pointersOf(edit("ping.json", "/timestamp" to "yesterday"))).containsExactly("#/timestamp")
			assertThat(mapper.map(edit("ping.json", "/data" to "anything")).type).isEqualTo(OrderEventType.PING)
		}

		@Test
		fun requiresOnlyTheOrderNumberForACancellation() {
			assertThat(errorsOf(edit("order-cancelled.json", "/data/orderNumber" to REMOVE)))
				.containsExactly(FieldError("#/data/orderNumber", "is required"))
		}

	}

	@Nested
	inner class OrderNumber {

		@Test
		fun isRequired() {
			assertThat(errorsOf(editCreated("/data/orderNumber" to REMOVE))).containsExactly(FieldError("#/data/orderNumber", "is required"))
		}

		@Test
		fun mustNotBeBlank() {
			assertThat(errorsOf(editCreated("/data/orderNumber" to "  "))).containsExactly(FieldError("#/data/orderNumber", "must not be blank"))
		}

		@Test
		fun mustBeAString() {
			assertThat(errorsOf(editCreated("/data/orderNumber" to 100234))).containsExactly(FieldError("#/data/orderNumber", "must be a string"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["SO/100234", "../admin", ".hidden", "SO 100234", "SO%2F1", "SO:1", "SO?x=1", "SO#1", "-SO", "Ä-1"])
		fun mustBeSafeInAUrlPathSegment(orderNumber: String) {
			assertThat(errorsOf(editCreated("/data/orderNumber" to orderNumber))).containsExactly(FieldError("#/data/orderNumber",
				"must start with a letter or digit and contain only letters, digits, '.', '_' and '-'"))
		}

		@Test
		fun isAtMost64Characters() {
			assertThat(errorsOf(editCreated("/data/orderNumber" to "S".repeat(65))))
				.containsExactly(FieldError("#/data/orderNumber", "must be at most 64 characters long"))
		}

		@Test
		fun isCheckedInCancellationsToo() {
			assertThat(pointersOf(edit("order-cancelled.json", "/data/orderNumber" to "SO/1"))).containsExactly("#/data/orderNumber")
		}

	}

	@Nested
	inner class Customer {

		@Test
		fun isRequired() {
			assertThat(errorsOf(editCreated("/data/customer" to REMOVE))).containsExactly(FieldError("#/data/customer", "is required"))
		}

		@Test
		fun mustBeAnObject() {
			assertThat(errorsOf(editCreated("/data/customer" to "C-4711"))).containsExactly(FieldError("#/data/customer", "must be an object"))
		}

		@Test
		fun requiresIdAndName() {
			assertThat(errorsOf(editCreated("/data/customer/id" to REMOVE, "/data/customer/name" to null))).containsExactly(
				FieldError("#/data/customer/id", "is required"), FieldError("#/data/customer/name", "is required"))
		}

		@Test
		fun rejectsABlankName() {
			assertThat(errorsOf(editCreated("/data/customer/name" to " \t"))).containsExactly(FieldError("#/data/customer/name", "must not be blank"))
		}

		@Test
		fun rejectsANameThatIsNotAString() {
			assertThat(errorsOf(editCreated("/data/customer/name" to raw("{\"first\": \"Max\"}"))))
				.containsExactly(FieldError("#/data/customer/name", "must be a string"))
		}

		@Test
		fun limitsTheNameTo200CharactersCountingCodePoints() {
			assertThat(mapper.map(editCreated("/data/customer/name" to "😀".repeat(200))).order!!.buyer.name).hasSize(400)
			assertThat(errorsOf(editCreated("/data/customer/name" to "M".repeat(201))))
				.containsExactly(FieldError("#/data/customer/name", "must be at most 200 characters long"))
		}

		@Test
		fun limitsTheIdTo64Characters() {
			assertThat(pointersOf(editCreated("/data/customer/id" to "C".repeat(65)))).containsExactly("#/data/customer/id")
		}

		@ParameterizedTest
		@ValueSource(strings = ["Müller\nGmbH", "Müller\u0000GmbH", "Müller\tGmbH", "Müller\u007FGmbH", "Müller\u0085GmbH", "Müller \uD800GmbH"])
		fun rejectsControlCharactersAndBrokenSurrogatesInSingleLineTexts(name: String) {
			assertThat(errorsOf(editCreated("/data/customer/name" to name)))
				.containsExactly(FieldError("#/data/customer/name", "must be a single line without control characters"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["einkauf", "einkauf@", "@mueller.example", "einkauf@mueller", "ein kauf@mueller.example", "a@b@mueller.example", "einkauf@mueller..example"])
		fun rejectsAnEmailWithoutTheShapeOfOne(email: String) {
			assertThat(errorsOf(editCreated("/data/customer/email" to email)))
				.containsExactly(FieldError("#/data/customer/email", "must be an email address such as name@example.com"))
		}

		@Test
		fun limitsTheEmailLocalPartTo64Characters() {
			assertThat(pointersOf(editCreated("/data/customer/email" to "e".repeat(65) + "@mueller.example"))).containsExactly("#/data/customer/email")
			assertThat(mapper.map(editCreated("/data/customer/email" to "e".repeat(64) + "@mueller.example")).order!!.buyer.email).startsWith("eeee")
		}

		@Test
		fun limitsTheEmailTo254Characters() {
			assertThat(errorsOf(editCreated("/data/customer/email" to "e@" + "m".repeat(250) + ".de")))
				.containsExactly(FieldError("#/data/customer/email", "must be at most 254 characters long"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["DE 123/456", "#DE123", "DE123456789" + "0123456789012345678901234"])
		fun rejectsAVatIdWithOddCharactersOrLength(vatId: String) {
			assertThat(pointersOf(editCreated("/data/customer/vatId" to vatId))).containsExactly("#/data/customer/vatId")
		}

	}

	@Nested
	inner class ShipTo {

		@Test
		fun isRequired() {
			assertThat(errorsOf(editCreated("/data/shipTo" to REMOVE))).containsExactly(FieldError("#/data/shipTo", "is required"))
		}

		@Test
		fun requiresStreetCityAndCountry() {
			assertThat(pointersOf(editCreated("/data/shipTo" to raw("{}"))))
				.containsExactly("#/data/shipTo/street", "#/data/shipTo/city", "#/data/shipTo/country")
		}

		@Test
		fun limitsStreetPostalCodeAndCity() {
			assertThat(pointersOf(editCreated("/data/shipTo/street" to "s".repeat(201), "/data/shipTo/postalCode" to "1".repeat(21),
				"/data/shipTo/city" to "c".repeat(101))))
				.containsExactly("#/data/shipTo/street", "#/data/shipTo/postalCode", "#/data/shipTo/city")
		}

		@ParameterizedTest
		@ValueSource(strings = ["de", "DEU", "Germany", "XX", "UK", "D"])
		fun requiresAnIso3166Alpha2CountryCode(country: String) {
			assertThat(errorsOf(editCreated("/data/shipTo/country" to country))).containsExactly(FieldError("#/data/shipTo/country",
				"must be an ISO 3166-1 alpha-2 country code in upper case, such as DE"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["AT", "CH", "GB", "US", "JP"])
		fun acceptsIso3166Alpha2CountryCodes(country: String) {
			assertThat(mapper.map(editCreated("/data/shipTo/country" to country)).order!!.delivery.countryCode).isEqualTo(country)
		}

	}

	@Nested
	inner class RequestedDeliveryDate {

		@ParameterizedTest
		@ValueSource(strings = ["01.12.2026", "2026-12-1", "2026-02-30", "2026-12-01T00:00:00Z", "+2026-12-01", "20261201"])
		fun mustBeAnIsoCalendarDate(date: String) {
			assertThat(errorsOf(editCreated("/data/requestedDeliveryDate" to date)))
				.containsExactly(FieldError("#/data/requestedDeliveryDate", "must be an ISO 8601 calendar date (yyyy-MM-dd)"))
		}

		@Test
		fun acceptsALeapDay() {
			assertThat(mapper.map(editCreated("/data/requestedDeliveryDate" to "2028-02-29")).order!!.delivery.requestedDate)
				.isEqualTo(LocalDate.of(2028, 2, 29))
		}

	}

	@Nested
	inner class Items {

		@Test
		fun areRequired() {
			assertThat(errorsOf(editCreated("/data/items" to REMOVE))).containsExactly(FieldError("#/data/items", "is required"))
		}

		@Test
		fun mustBeAnArray() {
			assertThat(errorsOf(editCreated("/data/items" to item("A-100")))).containsExactly(FieldError("#/data/items", "must be an array"))
		}

		@Test
		fun mustNotBeEmpty() {
			assertThat(errorsOf(editCreated("/data/items" to raw("[]")))).containsExactly(FieldError("#/data/items", "must contain at least 1 item"))
		}

		@Test
		fun areAtMost500() {
			val items = raw("[" + (1..501).joinToString(",") { item("A-$it").toString() } + "]")

			assertThat(errorsOf(editCreated("/data/items" to items))).containsExactly(FieldError("#/data/items", "must contain at most 500 items"))
		}

		@Test
		fun mustBeObjects() {
			assertThat(errorsOf(editCreated("/data/items/0" to "A-100"))).containsExactly(FieldError("#/data/items/0", "must be an object"))
		}

		@Test
		fun requireArticleNoQuantityUnitPriceAndCurrency() {
			assertThat(pointersOf(editCreated("/data/items/0" to raw("{\"description\": \"Widget\"}")))).containsExactly(
				"#/data/items/0/articleNo", "#/data/items/0/quantity", "#/data/items/0/unitPrice", "#/data/items/0/currency")
		}

		@Test
		fun limitArticleNoAndDescription() {
			assertThat(pointersOf(editCreated("/data/items/0/articleNo" to "A".repeat(65), "/data/items/0/description" to "d".repeat(501))))
				.containsExactly("#/data/items/0/articleNo", "#/data/items/0/description")
		}

		@Test
		fun allowLineBreaksButNoOtherControlCharactersInDescriptions() {
			assertThat(mapper.map(editCreated("/data/items/0/description" to "Widget\r\n\tblue")).order!!.lines[0].description).isEqualTo("Widget\r\n\tblue")
			assertThat(errorsOf(editCreated("/data/items/0/description" to "Widget\u0007"))).containsExactly(
				FieldError("#/data/items/0/description", "must not contain control characters other than tab and line breaks"))
		}

		@Test
		fun reportErrorsOfEveryItemWithItsIndex() {
			val items = raw("[" + item("A-1") + "," + item("A-2") + "," + item("A-3") + "]")
			val body = editCreated("/data/items" to items, "/data/items/0/quantity" to 0, "/data/items/2/articleNo" to "")

			assertThat(pointersOf(body)).containsExactly("#/data/items/0/quantity", "#/data/items/2/articleNo")
		}

	}

	@Nested
	inner class Quantity {

		@ParameterizedTest
		@ValueSource(strings = ["0", "-1", "-1000000000000000000000"])
		fun mustBeGreaterThanZero(quantity: String) {
			assertThat(errorsOf(editCreated("/data/items/0/quantity" to raw(quantity))))
				.containsExactly(FieldError("#/data/items/0/quantity", "must be greater than 0"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["1.5", "3.0", "1e2", "\"3\"", "true", "[3]"])
		fun mustBeAJsonInteger(quantity: String) {
			assertThat(errorsOf(editCreated("/data/items/0/quantity" to raw(quantity))))
				.containsExactly(FieldError("#/data/items/0/quantity", "must be an integer"))
		}

		@Test
		fun mustBeAtMostOneMillion() {
			assertThat(mapper.map(editCreated("/data/items/0/quantity" to 1_000_000)).order!!.lines[0].quantity).isEqualTo(1_000_000)
			assertThat(errorsOf(editCreated("/data/items/0/quantity" to raw("99999999999999999999"))))
				.containsExactly(FieldError("#/data/items/0/quantity", "must be at most 1000000"))
		}

		@Test
		fun isRequiredEvenWhenNull() {
			assertThat(errorsOf(editCreated("/data/items/0/quantity" to null))).containsExactly(FieldError("#/data/items/0/quantity", "is required"))
		}

	}

	@Nested
	inner class UnitPrice {

		@ParameterizedTest
		@ValueSource(strings = ["19.99", "19", "0.1", "1e3"])
		fun mustNotBeAJsonNumber(price: String) {
			assertThat(errorsOf(editCreated("/data/items/0/unitPrice" to raw(price))))
				.containsExactly(FieldError("#/data/items/0/unitPrice", "must be a decimal string such as \"19.99\", not a JSON number"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["19,99", "-1.00", "+1.00", "1e3", "1E+3", ".99", "19.", "019.99", "19.99999", "1 000.00", "EUR 19.99",
			"NaN", "Infinity", "0x10", "1234567890123.00"])
		fun mustBeAPlainNonNegativeDecimalString(price: String) {
			assertThat(errorsOf(editCreated("/data/items/0/unitPrice" to price))).containsExactly(FieldError("#/data/items/0/unitPrice",
				"must be a non-negative decimal string such as \"19.99\" with at most 12 integer and 4 fraction digits"))
		}

		@Test
		fun isRequired() {
			assertThat(errorsOf(editCreated("/data/items/0/unitPrice" to REMOVE))).containsExactly(FieldError("#/data/items/0/unitPrice", "is required"))
		}

	}

	@Nested
	inner class Currency {

		@ParameterizedTest
		@ValueSource(strings = ["eur", "EURO", "€", "ABC", "XXX", "XTS", "E"])
		fun mustBeAnIso4217Code(currency: String) {
			assertThat(errorsOf(editCreated("/data/items/0/currency" to currency))).containsExactly(
				FieldError("#/data/items/0/currency", "must be an ISO 4217 currency code in upper case, such as EUR"))
		}

		@ParameterizedTest
		@ValueSource(strings = ["CHF", "USD", "JPY", "BHD"])
		fun acceptsIso4217Codes(currency: String) {
			assertThat(mapper.map(editCreated("/data/items/0/currency" to currency)).order!!.lines[0].unitPrice.currency).isEqualTo(currency)
		}

		@Test
		fun mustBeTheSameOnEveryLine() {
			val items = raw("[" + item("A-1") + "," + item("A-2", "USD") + "," + item("A-3") + "," + item("A-4", "CHF") + "]")

			assertThat(errorsOf(editCreated("/data/items" to items))).containsExactly(
				FieldError("#/data/items/1/currency", "must be the same currency as the other items (EUR)"),
				FieldError("#/data/items/3/currency", "must be the same currency as the other items (EUR)"))
		}

		@Test
		fun isTakenFromTheFirstLineWithAValidCurrencyEvenIfThatLineHasOtherErrors() {
			val items = raw("[" + item("A-1", "euro") + "," + item("A-2") + "," + item("A-3", "USD") + "]")
			val body = editCreated("/data/items" to items, "/data/items/1/quantity" to 0)

			assertThat(pointersOf(body)).containsExactly("#/data/items/0/currency", "#/data/items/1/quantity", "#/data/items/2/currency")
		}

	}

	@Nested
	inner class Note {

		@Test
		fun isLimitedTo2000Characters() {
			assertThat(mapper.map(editCreated("/data/note" to "n".repeat(2000))).order!!.notes).hasSize(2000)
			assertThat(errorsOf(editCreated("/data/note" to "n".repeat(2001))))
				.containsExactly(FieldError("#/data/note", "must be at most 2000 characters long"))
		}

		@Test
		fun mustBeAString() {
			assertThat(errorsOf(editCreated("/data/note" to 42))).containsExactly(FieldError("#/data/note", "must be a string"))
		}

	}

	@Nested
	inner class AllErrorsAtOnce {

		@Test
		fun reportsEveryFieldErrorOfTheInvalidSample() {
			assertThat(errorsOf(bytes("invalid-order.json"))).containsExactly(
				FieldError("#/data/customer/name", "must not be blank"),
				FieldError("#/data/customer/email", "must be an email address such as name@example.com"),
				FieldError("#/data/shipTo/country", "must be an ISO 3166-1 alpha-2 country code in upper case, such as DE"),
				FieldError("#/data/requestedDeliveryDate", "must be an ISO 8601 calendar date (yyyy-MM-dd)"),
				FieldError("#/data/items/0/quantity", "must be greater than 0"),
				FieldError("#/data/items/1/unitPrice", "must be a decimal string such as \"19.99\", not a JSON number"),
				FieldError("#/data/items/2/currency", "must be the same currency as the other items (EUR)"))
		}

		@Test
		fun reportsEnvelopeAndOrderErrorsTogether() {
			assertThat(pointersOf(editCreated("/timestamp" to "yesterday", "/data/orderNumber" to "SO/1", "/data/items/0/quantity" to -3)))
				.containsExactly("#/timestamp", "#/data/orderNumber", "#/data/items/0/quantity")
		}

	}

}
