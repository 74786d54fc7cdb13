package com.acme.integration.orders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.Webhooks;
import com.acme.integration.web.EcsLogLines;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * orderWebhook over real HTTP against the Orders API stand-in: every outcome the webhook sender can
 * get, and what the Orders API received for it.
 */
@ExtendWith(OutputCaptureExtension.class)
class OrderWebhookIntegrationTests extends IntegrationTestSupport {

	@Autowired
	MeterRegistry meters;

	static final String EXPECTED_ORDER = """
			{"externalRef": "mueller:SO-100234",
			 "buyer": {"customerNumber": "C-4711", "name": "Müller GmbH", "email": "einkauf@mueller.example", "vatId": "DE123456789"},
			 "delivery": {"street": "Hauptstr. 5", "postalCode": "10115", "city": "Berlin", "countryCode": "DE", "requestedDate": "2026-12-01"},
			 "lines": [{"sku": "A-100", "description": "Widget", "quantity": 3, "unitPrice": {"amount": "19.99", "currency": "EUR"}}],
			 "notes": "Ring twice"}
			""";

	static String webhookId() {
		return "msg_" + UUID.randomUUID().toString().replace("-", "");
	}

	HttpResponse<String> deliver(String webhookId, String sample) {
		return postSigned("/orderWebhook", webhookId, sample("webhooks/" + sample));
	}

	static void assertProblem(HttpResponse<String> response, int status, String slug) {
		assertThat(response.statusCode()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = json(response);
		assertThat(problem.get("type").stringValue()).isEqualTo("https://problems.acme.example/" + slug);
		assertThat(problem.get("status").intValue()).isEqualTo(status);
		assertThat(problem.get("title").stringValue()).isNotBlank();
		assertThat(response.body()).doesNotContain("Exception", "at com.", "at org.", TOKEN, "localhost");
	}

	/** order-created.json as ISO-8859-1: "Müller" has the single byte 0xFC, which is not UTF-8. */
	static byte[] latin1OrderCreated() {
		byte[] latin1 = new String(sample("webhooks/order-created.json"), StandardCharsets.UTF_8)
			.getBytes(StandardCharsets.ISO_8859_1);
		assertThat(latin1).contains((byte) 0xFC);
		return latin1;
	}

	static void assertNothingSentUpstream() {
		ORDERS_API.server().verify(0, anyRequestedFor(anyUrl()));
	}

	@Test
	void createsTheOrderAndAnswersWithItsId() {
		String id = webhookId();

		HttpResponse<String> response = deliver(id, "order-created.json");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("application/json"));
		assertThat(json(response).get("orderId").stringValue()).isEqualTo("ord-000001");
		assertThat(json(response).get("result").stringValue()).isEqualTo("created");
		ORDERS_API.server().verify(1, anyRequestedFor(anyUrl()));
		ORDERS_API.server().verify(postRequestedFor(urlEqualTo("/api/v1/orders"))
			.withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.withHeader("Idempotency-Key", equalTo(id))
			.withHeader("Content-Type", equalTo("application/json"))
			.withoutHeader("webhook-signature")
			.withoutHeader("webhook-id")
			.withRequestBody(equalToJson(EXPECTED_ORDER)));
		assertThat(ORDERS_API.operations()).containsExactly(
				new OrdersApiStandIn.Operation("create", "mueller:SO-100234", id, "ord-000001"));
	}

	@Test
	void acknowledgesAnAcceptedOrderWhoseAnswerHasNoReadableIdWithoutAnOrderId(CapturedOutput output) {
		ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
			.willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("<html>")));
		String id = webhookId();

		HttpResponse<String> response = deliver(id, "order-created.json");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(json(response).has("orderId")).isFalse();
		assertThat(json(response).get("result").stringValue()).isEqualTo("created");
		assertThat(response.body()).doesNotContain("null");
		assertThat(output.getOut().lines().filter(line -> line.contains("sent no order id")))
			.singleElement()
			.satisfies(line -> assertThat(line).contains(" WARN ", "[" + id + "]"));
	}

	@Test
	void sendsMoneyAsDecimalStringsNeverAsNumbers() {
		deliver(webhookId(), "order-created.json");

		String sent = ORDERS_API.server().getAllServeEvents().getFirst().getRequest().getBodyAsString();
		assertThat(sent).contains("\"amount\":\"19.99\"").doesNotContain("19.99,", "19.99}");
	}

	@Test
	void updatesTheOrderByExternalRef() {
		String orderId = ORDERS_API.seedOrder("mueller:SO-100234");
		String id = webhookId();

		HttpResponse<String> response = deliver(id, "order-updated.json");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(json(response).get("orderId").stringValue()).isEqualTo(orderId);
		assertThat(json(response).get("result").stringValue()).isEqualTo("updated");
		ORDERS_API.server().verify(1, anyRequestedFor(anyUrl()));
		ORDERS_API.server().verify(putRequestedFor(urlEqualTo("/api/v1/orders/by-external-ref/mueller:SO-100234"))
			.withHeader("Authorization", equalTo("Bearer " + TOKEN))
			.withHeader("Idempotency-Key", equalTo(id))
			.withRequestBody(equalToJson("{\"externalRef\": \"mueller:SO-100234\"}", true, true)));
	}

	@Test
	void cancelsTheOrderByExternalRef() {
		String orderId = ORDERS_API.seedOrder("mueller:SO-100234");
		String id = webhookId();

		HttpResponse<String> response = deliver(id, "order-cancelled.json");

		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(json(response).get("orderId").stringValue()).isEqualTo(orderId);
		assertThat(json(response).get("result").stringValue()).isEqualTo("cancelled");
		ORDERS_API.server().verify(1, anyRequestedFor(anyUrl()));
		ORDERS_API.server()
			.verify(postRequestedFor(urlEqualTo("/api/v1/orders/by-external-ref/mueller:SO-100234/cancel"))
				.withHeader("Authorization", equalTo("Bearer " + TOKEN))
				.withHeader("Idempotency-Key", equalTo(id))
				.withRequestBody(equalToJson("{\"externalRef\": \"mueller:SO-100234\"}")));
	}

	@Test
	void logsEveryLineOfTheWebhookWithItsId(CapturedOutput output) {
		String id = webhookId();
		List<String> lines;

		try (EcsLogLines ecs = EcsLogLines.capture()) {
			deliver(id, "order-created.json");
			lines = ecs.lines().stream().filter(line -> line.contains("mueller:SO-100234")).toList();
		}

		assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line).contains("\"webhook_id\":\"" + id + "\""));
		assertThat(output.getAll()).doesNotContain(TOKEN, "c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0");
	}

	/** Senders do not order their deliveries: nothing that arrives early or late is refused for good. */
	@Nested
	class OutOfOrder {

		@Test
		void answersAnUpdateBeforeItsCreate409UntilTheOrderExists() {
			String update = webhookId();

			HttpResponse<String> early = deliver(update, "order-updated.json");
			HttpResponse<String> created = deliver(webhookId(), "order-created.json");
			HttpResponse<String> redelivered = deliver(update, "order-updated.json");

			assertProblem(early, 409, "order-not-known-yet");
			assertThat(early.headers().firstValue("Retry-After")).hasValue("60");
			assertThat(created.statusCode()).isEqualTo(200);
			assertThat(redelivered.statusCode()).isEqualTo(200);
			assertThat(json(redelivered).get("result").stringValue()).isEqualTo("updated");
			assertThat(ORDERS_API.operations()).extracting(OrdersApiStandIn.Operation::kind)
				.containsExactly("create", "update");
		}

		@Test
		void answersACancellationBeforeItsCreate409UntilTheOrderExists() {
			String cancel = webhookId();

			HttpResponse<String> early = deliver(cancel, "order-cancelled.json");
			deliver(webhookId(), "order-created.json");
			HttpResponse<String> redelivered = deliver(cancel, "order-cancelled.json");

			assertProblem(early, 409, "order-not-known-yet");
			assertThat(json(redelivered).get("result").stringValue()).isEqualTo("cancelled");
			assertThat(ORDERS_API.operations()).extracting(OrdersApiStandIn.Operation::kind)
				.containsExactly("create", "cancel");
		}

		@Test
		void sendsEachEventsOwnTimeSoThatAnOlderUpdateChangesNothing() {
			deliver(webhookId(), "order-created.json");
			byte[] newer = withTimestamp("order-updated.json", "2026-11-24T15:00:00Z");
			byte[] older = withTimestamp("order-updated.json", "2026-11-24T14:00:00Z");

			HttpResponse<String> first = postSigned("/orderWebhook", webhookId(), newer);
			HttpResponse<String> second = postSigned("/orderWebhook", webhookId(), older);

			assertThat(List.of(first.statusCode(), second.statusCode())).containsExactly(200, 200);
			ORDERS_API.server().verify(putRequestedFor(urlPathMatching("/api/v1/orders/by-external-ref/.*"))
				.withHeader("Event-Time", equalTo("2026-11-24T15:00:00Z")));
			ORDERS_API.server().verify(putRequestedFor(urlPathMatching("/api/v1/orders/by-external-ref/.*"))
				.withHeader("Event-Time", equalTo("2026-11-24T14:00:00Z")));
			assertThat(ORDERS_API.operations()).extracting(OrdersApiStandIn.Operation::kind)
				.containsExactly("create", "update");
		}

		@Test
		void countsUpdatesForOrdersNotKnownYet() {
			double before = unknownOrders();

			deliver(webhookId(), "order-updated.json");

			assertThat(unknownOrders()).isEqualTo(before + 1);
		}

		private double unknownOrders() {
			return OrderWebhookIntegrationTests.this.meters.find("integration.webhook.events")
				.tag("outcome", "unknown_order")
				.counters()
				.stream()
				.mapToDouble(io.micrometer.core.instrument.Counter::count)
				.sum();
		}

		private static byte[] withTimestamp(String sample, String timestamp) {
			var tree = (tools.jackson.databind.node.ObjectNode) JSON.readTree(sample("webhooks/" + sample));
			tree.put("timestamp", timestamp);
			return JSON.writeValueAsBytes(tree);
		}

	}

	@Nested
	class Ping {

		@Test
		void answersAPingSignedWithTheCustomersSecretWithPongAndSendsNothing() {
			HttpResponse<String> response = deliver(webhookId(), "ping.json");

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(json(response).get("result").stringValue()).isEqualTo("pong");
			assertThat(json(response).has("orderId")).isFalse();
			assertNothingSentUpstream();
		}

		@Test
		void answersAPingSignedWithASmokeCheckSecret() {
			byte[] body = sample("webhooks/ping.json");

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body,
					new Webhooks(SMOKE_SECRET).headers(webhookId(), body));

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(json(response).get("result").stringValue()).isEqualTo("pong");
			assertNothingSentUpstream();
		}

		@Test
		void refusesAnOrderSignedWithASmokeCheckSecretWith401() {
			byte[] body = sample("webhooks/order-created.json");

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body,
					new Webhooks(SMOKE_SECRET).headers(webhookId(), body));

			assertProblem(response, 401, "invalid-signature");
			assertThat(json(response).get("detail").stringValue()).isEqualTo("A smoke-check secret signs pings only.");
			assertNothingSentUpstream();
		}

		@Test
		void refusesAPingWithoutAValidSignatureWith401() {
			byte[] body = sample("webhooks/ping.json");

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body,
					new Webhooks("whsec_" + java.util.Base64.getEncoder().encodeToString("nobody".getBytes()))
						.headers(webhookId(), body));

			assertProblem(response, 401, "invalid-signature");
		}

	}

	@Nested
	class Idempotency {

		@Test
		void sameWebhookTwiceGivesOneOrderAndADuplicate() {
			String id = webhookId();

			HttpResponse<String> first = deliver(id, "order-created.json");
			HttpResponse<String> second = deliver(id, "order-created.json");

			assertThat(json(first).get("result").stringValue()).isEqualTo("created");
			assertThat(second.statusCode()).isEqualTo(200);
			assertThat(json(second).get("result").stringValue()).isEqualTo("duplicate");
			assertThat(json(second).get("orderId").stringValue()).isEqualTo(json(first).get("orderId").stringValue());
			assertThat(ORDERS_API.ordersCreated()).isEqualTo(1);
			ORDERS_API.server()
				.verify(2, postRequestedFor(urlEqualTo("/api/v1/orders")).withHeader("Idempotency-Key", equalTo(id)));
		}

		@Test
		void sameWebhookTwiceConcurrentlyGivesOneOrder() throws Exception {
			String id = webhookId();
			CountDownLatch start = new CountDownLatch(1);
			try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
				List<CompletableFuture<HttpResponse<String>>> deliveries = List.of(1, 2)
					.stream()
					.map(n -> CompletableFuture.supplyAsync(() -> {
						awaitQuietly(start);
						return deliver(id, "order-created.json");
					}, pool))
					.toList();
				start.countDown();
				List<HttpResponse<String>> responses = deliveries.stream().map(CompletableFuture::join).toList();

				assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200);
				assertThat(responses).extracting(response -> json(response).get("result").stringValue())
					.containsExactlyInAnyOrder("created", "duplicate");
				assertThat(responses).extracting(response -> json(response).get("orderId").stringValue())
					.containsOnly("ord-000001");
			}
			assertThat(ORDERS_API.ordersCreated()).isEqualTo(1);
		}

		private static void awaitQuietly(CountDownLatch latch) {
			try {
				latch.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	@Nested
	class RefusedWebhooks {

		@Test
		void rejectsMissingSignatureWith401AndSendsNothing() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json",
					sample("webhooks/order-created.json"), Map.of());

			assertProblem(response, 401, "invalid-signature");
			assertThat(json(response).get("detail").stringValue()).isEqualTo("The webhook-id header is missing.");
			assertNothingSentUpstream();
		}

		@Test
		void rejectsWrongSignatureWith401() {
			byte[] body = sample("webhooks/order-created.json");
			Map<String, String> headers = new java.util.HashMap<>(SIGNER.headers(webhookId(), body));
			headers.put("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body, headers);

			assertProblem(response, 401, "invalid-signature");
			assertNothingSentUpstream();
		}

		@Test
		void rejectsStaleTimestampWith401() {
			byte[] body = sample("webhooks/order-created.json");
			long stale = Instant.now().minusSeconds(3600).getEpochSecond();

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body,
					SIGNER.headers(webhookId(), stale, body));

			assertProblem(response, 401, "invalid-signature");
			assertThat(json(response).get("detail").stringValue()).isEqualTo("The webhook-timestamp is too old.");
			assertNothingSentUpstream();
		}

		@Test
		void rejectsFutureTimestampWith401() {
			byte[] body = sample("webhooks/order-created.json");
			long future = Instant.now().plusSeconds(3600).getEpochSecond();

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body,
					SIGNER.headers(webhookId(), future, body));

			assertProblem(response, 401, "invalid-signature");
			assertNothingSentUpstream();
		}

		@Test
		void verifiesTheBytesAsSentAndRejectsAValidlySignedLatin1BodyAsMalformedWith400() {
			byte[] latin1 = latin1OrderCreated();

			HttpResponse<String> response = postSigned("/orderWebhook", webhookId(), latin1);

			assertProblem(response, 400, "malformed-json");
			assertNothingSentUpstream();
		}

		@Test
		void rejectsALatin1BodyWith400WhateverItWasSignedOver() {
			byte[] latin1 = latin1OrderCreated();
			// Signed over what a decoder replacing the bad byte with U+FFFD hands on.
			byte[] decoded = new String(latin1, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", latin1,
					SIGNER.headers(webhookId(), decoded));

			assertProblem(response, 400, "malformed-json");
			assertNothingSentUpstream();
		}

		@Test
		void verifiesAndActsOnTheFirstLineOfARepeatedWebhookId() {
			byte[] body = sample("webhooks/order-created.json");
			String id = webhookId();
			HttpRequest.Builder request = HttpRequest.newBuilder(uri("/orderWebhook"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body));
			SIGNER.headers(id, body).forEach(request::header);
			request.header("webhook-id", "msg_second_line");

			HttpResponse<String> response = send(request.build());

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(ORDERS_API.operations()).singleElement()
				.satisfies(operation -> assertThat(operation.idempotencyKey()).isEqualTo(id));
		}

		@Test
		void rejectsARepeatedSignatureHeaderWhoseFirstLineDoesNotMatch() {
			byte[] body = sample("webhooks/order-created.json");
			String id = webhookId();
			Map<String, String> signed = SIGNER.headers(id, body);
			HttpRequest.Builder request = HttpRequest.newBuilder(uri("/orderWebhook"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body));
			request.header("webhook-id", id).header("webhook-timestamp", signed.get("webhook-timestamp"));
			request.header("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
			request.header("webhook-signature", signed.get("webhook-signature"));

			HttpResponse<String> response = send(request.build());

			assertProblem(response, 401, "invalid-signature");
			assertNothingSentUpstream();
		}

		@Test
		void acceptsAValidSignatureAfterNineHundredNinetyNineInvalidOnesInOneHeader() {
			byte[] body = sample("webhooks/order-created.json");
			String id = webhookId();
			Map<String, String> headers = new java.util.HashMap<>(SIGNER.headers(id, body));
			String invalid = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ";
			headers.put("webhook-signature", invalid.repeat(999) + headers.get("webhook-signature"));

			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", body, headers);

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(json(response).get("result").stringValue()).isEqualTo("created");
		}

		@Test
		void rejectsMalformedJsonWith400() {
			HttpResponse<String> response = deliver(webhookId(), "malformed.json");

			assertProblem(response, 400, "malformed-json");
			assertNothingSentUpstream();
		}

		@Test
		void rejectsSchemaViolationsWith422ListingEveryFieldError() {
			HttpResponse<String> response = deliver(webhookId(), "invalid-order.json");

			assertProblem(response, 422, "validation-failed");
			JsonNode errors = json(response).get("errors");
			assertThat(errors.isArray()).isTrue();
			assertThat(errors.size()).isGreaterThan(1);
			List<String> pointers = errors.valueStream().map(error -> error.get("pointer").stringValue()).toList();
			assertThat(pointers).contains("#/data/items/0/quantity", "#/data/shipTo/country");
			assertThat(errors.valueStream()).allSatisfy(error -> assertThat(error.get("detail").stringValue()).isNotBlank());
			assertNothingSentUpstream();
		}

		@Test
		void rejectsUnknownEventTypeWith422AndSendsNothing() {
			HttpResponse<String> response = deliver(webhookId(), "unknown-type.json");

			assertProblem(response, 422, "unknown-event-type");
			assertThat(json(response).get("errors").get(0).get("pointer").stringValue()).isEqualTo("#/type");
			assertNothingSentUpstream();
		}

	}

	@Nested
	class UpstreamRejections {

		@Test
		void passesOnTheApisBusinessRejectionAs422WithoutInternalDetails() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(400)
					.withHeader("Content-Type", "application/problem+json")
					.withBody("""
							{"type": "https://orders.internal.example/problems/credit-limit",
							 "title": "Credit limit exceeded",
							 "detail": "Buyer C-4711 is over its credit limit, see https://erp.internal.example/credit/C-4711 (Bearer abc.def)",
							 "instance": "https://orders.internal.example/api/v1/orders/req-1",
							 "errors": [{"pointer": "#/buyer/customerNumber", "detail": "credit limit exceeded"}],
							 "debugToken": "%s"}
							""".formatted(TOKEN))));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 422, "upstream-rejected");
			JsonNode problem = json(response);
			assertThat(problem.get("upstreamStatus").intValue()).isEqualTo(400);
			assertThat(problem.get("upstreamTitle").stringValue()).isEqualTo("Credit limit exceeded");
			assertThat(problem.get("detail").stringValue()).startsWith("Buyer C-4711 is over its credit limit")
				.doesNotContain("internal.example", "abc.def");
			assertThat(problem.get("errors").get(0).get("pointer").stringValue()).isEqualTo("#/buyer/customerNumber");
			assertThat(response.body()).doesNotContain("internal.example", "debugToken", TOKEN);
			ORDERS_API.server().verify(1, anyRequestedFor(anyUrl()));
		}

		@Test
		void passesOnAConflictWhileTheSameKeyIsInFlightAs409() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(409).withHeader("Retry-After", "3")));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 409, "conflict");
			assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
			ORDERS_API.server().verify(1, anyRequestedFor(anyUrl()));
		}

	}

	@Nested
	class TransientFailures {

		@Test
		void retriesAfter503AndSucceedsWithTheSameIdempotencyKey() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.inScenario("flaky").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("second")
				.willReturn(aResponse().withStatus(503)));
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.inScenario("flaky").whenScenarioStateIs("second").willSetStateTo("recovered")
				.willReturn(aResponse().withStatus(503)));
			String id = webhookId();

			HttpResponse<String> response = deliver(id, "order-created.json");

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(json(response).get("result").stringValue()).isEqualTo("created");
			ORDERS_API.server()
				.verify(3, postRequestedFor(urlEqualTo("/api/v1/orders")).withHeader("Idempotency-Key", equalTo(id))
					.withHeader("Authorization", equalTo("Bearer " + TOKEN)));
			assertThat(ORDERS_API.ordersCreated()).isEqualTo(1);
		}

		@Test
		void honoursRetryAfterOn429ThenSucceeds() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.inScenario("throttled").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("open")
				.willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")));
			String id = webhookId();

			HttpResponse<String> response = deliver(id, "order-created.json");

			assertThat(response.statusCode()).isEqualTo(200);
			List<Instant> attempts = ORDERS_API.server().getAllServeEvents().stream()
				.map(event -> event.getRequest().getLoggedDate().toInstant())
				.sorted()
				.toList();
			assertThat(attempts).hasSize(2);
			assertThat(java.time.Duration.between(attempts.get(0), attempts.get(1)))
				.isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(1));
		}

		@Test
		void answers503WithTheApisRetryAfterWhenItExceedsTheDeadline() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(response.headers().firstValue("Retry-After")).hasValue("120");
			ORDERS_API.server().verify(1, anyRequestedFor(anyUrl()));
		}

		@Test
		void answers503WithRetryAfterWhenTheConnectionIsResetEveryTime() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(response.headers().firstValue("Retry-After")).hasValue("30");
			assertThat(ORDERS_API.server().getAllServeEvents()).hasSizeGreaterThan(1);
		}

		@ParameterizedTest
		@EnumSource(value = Fault.class, names = { "CONNECTION_RESET_BY_PEER", "MALFORMED_RESPONSE_CHUNK" })
		void retriesAfterABrokenFirstAnswerAndSucceeds(Fault fault) {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.inScenario(fault.name()).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("ok")
				.willReturn(aResponse().withFault(fault)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(ORDERS_API.ordersCreated()).isEqualTo(1);
		}

		@Test
		void retriesAfterAnEmptyResponseAndSucceeds() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.inScenario("empty").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("ok")
				.willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertThat(response.statusCode()).isEqualTo(200);
			ORDERS_API.server().verify(2, postRequestedFor(urlEqualTo("/api/v1/orders")));
		}

		@Test
		void answers503WhenEveryResponseIsEmpty() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
		}

		@Test
		void answers503WhenTheApiIsSlowerThanTheDeadline() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(201).withFixedDelay(6000).withBody("{\"id\":\"late\"}")));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(response.headers().firstValue("Retry-After")).isPresent();
		}

		@Test
		void answers503WhenTheAnswerIsCutOffByTheAttemptTimeoutWhileGzipped() {
			// The first chunk (with the gzip header) comes at once, the rest trickles in slower than the attempt
			// timeout, which closes the body under the reader. With gzip decompression on, that close could race
			// the inflater and surface as IllegalStateException "Inflater has been closed", a 500.
			String padding = new SplittableRandom(42).ints(20_000, 0, 16)
				.mapToObj(Integer::toHexString)
				.collect(Collectors.joining());
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(201)
					.withHeader("Content-Type", "application/json")
					.withHeader("Content-Encoding", "gzip")
					.withBody(gzip("{\"id\":\"ord-slow\",\"padding\":\"" + padding + "\"}"))
					.withChunkedDribbleDelay(30, 9000)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(response.headers().firstValue("Retry-After")).isPresent();
		}

		@Test
		void neverAsksTheApiForACompressedAnswer() {
			deliver(webhookId(), "order-created.json");

			ORDERS_API.server().verify(1, postRequestedFor(urlEqualTo("/api/v1/orders")).withoutHeader("Accept-Encoding"));
		}

		@Test
		void answers503WhenEveryResponseHasAMalformedChunk() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(response.headers().firstValue("Retry-After")).isPresent();
			assertThat(ORDERS_API.server().getAllServeEvents()).hasSizeGreaterThan(1);
		}

		@Test
		void answers503WhenEveryResponseIsRandomBytesThenClose() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(response.headers().firstValue("Retry-After")).isPresent();
		}

		@Test
		void answers503WhenEveryAnswerIsACorruptGzipBody(CapturedOutput output) {
			byte[] corrupt = gzip("{\"id\":\"ord-corrupt\"}");
			for (int i = 10; i < corrupt.length; i++) {
				corrupt[i] = (byte) 0xFF;
			}
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(503)
					.withHeader("Content-Type", "application/problem+json")
					.withHeader("Content-Encoding", "gzip")
					.withBody(corrupt)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
			assertThat(output.getAll()).doesNotContain("Inflater", "\tat ");
		}

		private static byte[] gzip(String text) {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
				out.write(text.getBytes(StandardCharsets.UTF_8));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			return bytes.toByteArray();
		}

		@Test
		void answers503WhenOurCredentialsAreRefused() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.willReturn(aResponse().withStatus(401)));

			HttpResponse<String> response = deliver(webhookId(), "order-created.json");

			assertProblem(response, 503, "upstream-unavailable");
		}

	}

	@Nested
	class Metrics {

		@Test
		void exposesOutcomesPerEventTypeUpstreamLatencyAndRetries() {
			ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
				.inScenario("flaky").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("ok")
				.willReturn(aResponse().withStatus(502)));
			deliver(webhookId(), "order-created.json");

			HttpResponse<String> metrics = send(HttpRequest.newBuilder(uri("/actuator/prometheus")).build());

			assertThat(metrics.statusCode()).isEqualTo(200);
			assertThat(metrics.body())
				.contains("integration_webhook_events_total{outcome=\"created\",type=\"order.created\"}")
				.contains("integration_orders_api_requests_seconds_count{operation=\"create\",outcome=\"accepted\"}")
				.contains("integration_orders_api_requests_seconds_count{operation=\"create\",outcome=\"transient\"}")
				.contains("integration_orders_api_retries_total{operation=\"create\"}");
		}

	}

}
