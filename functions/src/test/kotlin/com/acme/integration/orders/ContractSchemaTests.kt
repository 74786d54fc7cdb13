package com.acme.integration.orders

import com.acme.integration.orders.WebhookSamples.bytes
import com.acme.integration.orders.WebhookSamples.editCreated
import com.acme.integration.orders.WebhookSamples.json
import com.acme.integration.orders.WebhookSamples.tree
import com.networknt.schema.Schema
import com.networknt.schema.SchemaRegistry
import com.networknt.schema.SchemaRegistryConfig
import com.networknt.schema.SpecificationVersion
import com.networknt.schema.path.PathType
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatExceptionOfType
import org.junit.jupiter.api.Nested
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.CsvSource
import org.junit.jupiter.params.provider.ValueSource
import tools.jackson.databind.JsonNode
import tools.jackson.databind.node.ObjectNode
import java.math.BigDecimal

/**
 * The documented contracts (src/main/resources/contracts/) agree with the samples and with what the mapper accepts
 * and produces.
 */
class ContractSchemaTests {

	private val webhookSchema = schema("customer-order-webhook.schema.json")

	private val orderSchema = schema("orders-api-order.schema.json")

	private val mapper = CustomerOrderMapper("mueller")

	/** JSON pointers ("/data/items/0/quantity") of the instance locations that break [schema]. */
	private fun violations(schema: Schema, document: JsonNode): List<String> =
		schema.validate(document).map { it.instanceLocation.toString() }

	@Nested
	inner class CustomerWebhookSchema {

		@ParameterizedTest
		@ValueSource(strings = ["order-created.json", "order-updated.json", "order-cancelled.json", "order-created-minimal.json",
			"ping.json"])
		fun acceptsTheValidSamples(sample: String) {
			assertThat(violations(webhookSchema, tree(sample))).isEmpty()
		}

		@Test
		fun rejectsTheInvalidSampleWhereverASchemaCanTell() {
			// Email shape and one currency for all items are the mapper's checks only.
			assertThat(violations(webhookSchema, tree("invalid-order.json"))).contains(
				"/data/customer/name", "/data/shipTo/country", "/data/items/0/quantity", "/data/items/1/unitPrice",
				"/data/requestedDeliveryDate")
		}

		@Test
		fun rejectsAnUnknownEventType() {
			assertThat(violations(webhookSchema, tree("unknown-type.json"))).contains("/type")
		}

		@Test
		fun requiresTheOrderForCreatedButOnlyTheOrderNumberForCancelled() {
			val withoutItems = json.readTree(editCreated("/data/items" to WebhookSamples.REMOVE))

			assertThat(violations(webhookSchema, withoutItems)).containsExactly("/data")
			assertThat(violations(webhookSchema, tree("order-cancelled.json"))).isEmpty()
		}

		@Test
		fun rejectsAMoneyAmountAsJsonNumber() {
			val numeric = json.readTree(editCreated("/data/items/0/unitPrice" to WebhookSamples.raw("19.99")))

			assertThat(violations(webhookSchema, numeric)).containsExactly("/data/items/0/unitPrice")
		}

		@ParameterizedTest
		@CsvSource(delimiter = '|', value = [
			"/type            | \"order.shipped\"",
			"/timestamp       | \"2026-11-24\"",
			"/data/orderNumber | \"SO/100234\"",
			"/data/customer/name | \"  \"",
			"/data/customer/id | \"C\\nD\"",
			"/data/shipTo/country | \"de\"",
			"/data/shipTo/city | null",
			"/data/items | []",
			"/data/items/0/quantity | 0",
			"/data/items/0/quantity | 1.5",
			"/data/items/0/unitPrice | \"-1.00\"",
			"/data/items/0/unitPrice | \"19.99999\"",
			"/data/items/0/currency | \"eur\"",
			"/data/requestedDeliveryDate | \"2026-02-30\"",
		])
		fun andTheMapperRejectTheSameValueAtTheSamePointer(pointer: String, value: String) {
			val body = editCreated(pointer to WebhookSamples.raw(value))

			assertThat(violations(webhookSchema, json.readTree(body))).contains(pointer)
			assertThatExceptionOfType(InvalidPayloadException::class.java).isThrownBy { mapper.map(body) }
				.satisfies({ ex -> assertThat(ex.errors.map { it.pointer }).containsExactly("#$pointer") })
		}

	}

	@Nested
	inner class OrdersApiOrderSchema {

		@ParameterizedTest
		@ValueSource(strings = ["order-created.json", "order-updated.json", "order-created-minimal.json"])
		fun acceptsWhatTheMapperProduces(sample: String) {
			val output = json.readTree(mapper.toJson(mapper.map(bytes(sample))))

			assertThat(violations(orderSchema, output)).isEmpty()
		}

		@Test
		fun rejectsMoneyAsANumberAndUnknownProperties() {
			val output = json.readTree(mapper.toJson(mapper.map(bytes("order-created.json")))) as ObjectNode
			(output.get("lines").get(0).get("unitPrice") as ObjectNode).put("amount", BigDecimal("19.99"))
			output.put("unexpected", true)

			assertThat(violations(orderSchema, output)).containsExactlyInAnyOrder("/lines/0/unitPrice/amount", "")
		}

	}

	private companion object {

		val registry: SchemaRegistry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12) {
			it.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).pathType(PathType.JSON_POINTER).build())
		}

		fun schema(name: String): Schema =
			requireNotNull(ContractSchemaTests::class.java.getResourceAsStream("/contracts/$name")) { "no contract $name" }
				.use { registry.getSchema(it) }

	}

}
