package com.acme.integration.orders

import com.acme.integration.orders.WebhookSamples.bytes
import com.acme.integration.orders.WebhookSamples.json
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Nested
import org.junit.jupiter.api.Test
import org.springframework.beans.factory.annotation.Autowired
import org.springframework.boot.test.context.SpringBootTest
import org.springframework.boot.test.web.server.LocalServerPort
import org.springframework.cloud.function.context.FunctionCatalog
import org.springframework.cloud.function.context.catalog.SimpleFunctionRegistry.FunctionInvocationWrapper
import org.springframework.cloud.function.context.config.KotlinLambdaToFunctionAutoConfiguration
import org.springframework.messaging.Message
import org.springframework.messaging.support.MessageBuilder
import tools.jackson.databind.JsonNode
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/**
 * mapOrder as the framework sees it: registered in the function catalog beside the Java functions (Kotlin support
 * of spring-cloud-function-context), and over HTTP with the problem details of the config package.
 */
@SpringBootTest(
	webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
	properties = [
		// The local sandbox's set: mapOrder beside the Java functions.
		"spring.cloud.function.definition=orderWebhook;mapOrder;orderStatusSync",
		"integration.customer.key=mueller",
		// mapOrder calls nothing; these only satisfy the start-up validation of the other features.
		"integration.webhook.secrets=whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0",
		"integration.orders-api.base-url=http://localhost:9",
		"integration.orders-api.token=unused-in-this-test",
		"integration.erp.base-url=http://localhost:9",
		"spring.security.oauth2.client.registration.erp.client-id=unused",
		"spring.security.oauth2.client.registration.erp.client-secret=unused",
		"spring.security.oauth2.client.registration.erp.authorization-grant-type=client_credentials",
		"spring.security.oauth2.client.provider.erp.token-uri=http://localhost:9/token",
	])
class MapOrderFunctionTests {

	@Autowired
	lateinit var catalog: FunctionCatalog

	@Autowired
	lateinit var mapper: CustomerOrderMapper

	/** The mapper Spring's HTTP clients use, e.g. when orderWebhook sends an OrderRequest to our Orders API. */
	@Autowired
	lateinit var bootJsonMapper: tools.jackson.databind.json.JsonMapper

	@LocalServerPort
	var port: Int = 0

	private val http: HttpClient = HttpClient.newHttpClient()

	private fun post(body: ByteArray, path: String = "/mapOrder"): HttpResponse<String> = http.send(
		HttpRequest.newBuilder(URI.create("http://localhost:$port$path"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(),
		HttpResponse.BodyHandlers.ofString())

	/** Jackson 3's JsonNode has a map() of its own; this is the Kotlin list of an array's elements. */
	private fun JsonNode.elementList(): List<JsonNode> = (0 until size()).map { get(it) }

	private fun mapped(sample: String): JsonNode = json.readTree(mapper.toJson(mapper.map(bytes(sample))))

	@Nested
	inner class FunctionCatalogLookup {

		@Test
		fun findsTheKotlinMapOrderBesideTheJavaFunctions() {
			// lookup() falls back to the configured definition for names it does not know, hence the name checks.
			val mapOrder = catalog.lookup<FunctionInvocationWrapper>("mapOrder")
			val orderStatusSync = catalog.lookup<FunctionInvocationWrapper>("orderStatusSync")

			assertThat(mapOrder.functionDefinition).isEqualTo("mapOrder")
			assertThat(mapOrder.isFunction).isTrue()
			assertThat(mapOrder.target).isInstanceOf(KotlinLambdaToFunctionAutoConfiguration.KotlinFunctionWrapper::class.java)
			assertThat(orderStatusSync.functionDefinition).isEqualTo("orderStatusSync")
			assertThat(orderStatusSync.target).isNotInstanceOf(KotlinLambdaToFunctionAutoConfiguration.KotlinFunctionWrapper::class.java)
			assertThat(catalog.lookup<FunctionInvocationWrapper>("orderWebhook").functionDefinition).isEqualTo("orderWebhook")
		}

		@Test
		fun mapsABodyWhenInvokedThroughTheCatalog() {
			val mapOrder = catalog.lookup<FunctionInvocationWrapper>("mapOrder")

			@Suppress("UNCHECKED_CAST")
			val result = mapOrder.apply(MessageBuilder.withPayload(bytes("order-created.json")).build()) as Message<ByteArray>

			assertThat(json.readTree(result.payload)).isEqualTo(mapped("order-created.json"))
		}

	}

	@Nested
	inner class Serialisation {

		@Test
		fun bootsJsonMapperWritesOurOrderModelExactlyAsMapOrderDoes() {
			val event = mapper.map(bytes("order-created.json"))

			assertThat(String(bootJsonMapper.writeValueAsBytes(event.order))).isEqualTo(String(mapper.toJson(event)))
		}

	}

	@Nested
	inner class OverHttp {

		@Test
		fun answersTheMappedOrderWith200() {
			val response = post(bytes("order-created.json"))

			assertThat(response.statusCode()).isEqualTo(200)
			assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying { assertThat(it).startsWith("application/json") }
			assertThat(json.readTree(response.body())).isEqualTo(mapped("order-created.json"))
			assertThat(response.body()).contains(""""unitPrice":{"amount":"19.99","currency":"EUR"}""")
		}

		@Test
		fun answersTheExternalRefForACancellation() {
			val response = post(bytes("order-cancelled.json"))

			assertThat(response.statusCode()).isEqualTo(200)
			assertThat(json.readTree(response.body())).isEqualTo(json.readTree("""{"externalRef": "mueller:SO-100234"}"""))
		}

		@Test
		fun answers422WithEveryFieldErrorForAnInvalidOrder() {
			val response = post(bytes("invalid-order.json"))
			val problem = json.readTree(response.body())

			assertThat(response.statusCode()).isEqualTo(422)
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json")
			assertThat(problem.get("type").stringValue()).isEqualTo("https://problems.acme.example/validation-failed")
			assertThat(problem.get("status").intValue()).isEqualTo(422)
			assertThat(problem.get("errors").elementList().map { it.get("pointer").stringValue() to it.get("detail").stringValue() })
				.containsExactly(
					"#/data/customer/name" to "must not be blank",
					"#/data/customer/email" to "must be an email address such as name@example.com",
					"#/data/shipTo/country" to "must be an ISO 3166-1 alpha-2 country code in upper case, such as DE",
					"#/data/requestedDeliveryDate" to "must be an ISO 8601 calendar date (yyyy-MM-dd)",
					"#/data/items/0/quantity" to "must be greater than 0",
					"#/data/items/1/unitPrice" to "must be a decimal string such as \"19.99\", not a JSON number",
					"#/data/items/2/currency" to "must be the same currency as the other items (EUR)")
		}

		@Test
		fun answers422WithAnErrorAtTypeForAnUnknownEventType() {
			val response = post(bytes("unknown-type.json"))
			val problem = json.readTree(response.body())

			assertThat(response.statusCode()).isEqualTo(422)
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json")
			assertThat(problem.get("type").stringValue()).isEqualTo("https://problems.acme.example/unknown-event-type")
			assertThat(problem.get("errors").elementList().map { it.get("pointer").stringValue() }).containsExactly("#/type")
		}

		@Test
		fun answers400ForMalformedJsonWithoutEchoingTheBody() {
			val response = post(bytes("malformed.json"))
			val problem = json.readTree(response.body())

			assertThat(response.statusCode()).isEqualTo(400)
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json")
			assertThat(problem.get("type").stringValue()).isEqualTo("https://problems.acme.example/malformed-json")
			assertThat(response.body()).doesNotContain("C-4711").doesNotContain("Exception")
		}

		@Test
		fun answers400ForDuplicateKeys() {
			val response = post("""{"type": "order.created", "type": "order.cancelled"}""".toByteArray())

			assertThat(response.statusCode()).isEqualTo(400)
			assertThat(json.readTree(response.body()).get("detail").stringValue()).contains("duplicate object key")
		}

	}

}
