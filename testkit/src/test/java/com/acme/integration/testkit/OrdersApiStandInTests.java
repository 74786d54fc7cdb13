package com.acme.integration.testkit;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.acme.integration.testkit.OrdersApiStandIn.Operation;
import com.acme.integration.testkit.OrdersApiStandIn.Order;
import com.acme.integration.testkit.OrdersApiStandIn.Outcome;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The Orders API stand-in over real HTTP: the contract of docs/01-assumptions.md and the idempotency draft. */
class OrdersApiStandInTests {

	static final String TOKEN = "orders-api-stand-in-test-token";

	static final OrdersApiStandIn API = new OrdersApiStandIn(TOKEN);

	static final StandInServer SERVER = StandInServer.start(WireMockConfiguration.options().dynamicPort(), API);

	static final String ORDER = "{\"externalRef\":\"mueller:SO-1\",\"lines\":[]}";

	@AfterAll
	static void stop() {
		SERVER.close();
	}

	@BeforeEach
	void reset() {
		SERVER.reset();
		API.retainKeysFor(OrdersApiStandIn.DEFAULT_RETENTION);
		API.clock(Clock.systemUTC());
	}

	static HttpResponse<String> create(String key, String body) {
		return call("POST", "/api/v1/orders", key, body);
	}

	static HttpResponse<String> call(String method, String path, String key, String body, String... extraHeaders) {
		List<String> headers = new ArrayList<>(List.of("Authorization", "Bearer " + TOKEN, "Content-Type",
				"application/json"));
		if (key != null) {
			headers.addAll(List.of("Idempotency-Key", key));
		}
		headers.addAll(List.of(extraHeaders));
		return StandInHttp.send(method, SERVER.baseUrl() + path, body, headers.toArray(String[]::new));
	}

	@Test
	void createsAnOrderWith201AndItsIdAndExternalRef() {
		HttpResponse<String> response = create("key-1", ORDER);

		assertThat(response.statusCode()).isEqualTo(201);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.body()).isEqualTo("{\"id\":\"ord-000001\",\"externalRef\":\"mueller:SO-1\"}");
		assertThat(response.headers().firstValue("Idempotent-Replayed")).isEmpty();
		assertThat(API.orders()).containsExactly(new Order("ord-000001", "mueller:SO-1", "key-1"));
		assertThat(API.operations()).containsExactly(new Operation("create", "mueller:SO-1", "key-1", "ord-000001"));
	}

	@Test
	void updatesAndCancelsByExternalRef() {
		create("key-1", ORDER);

		HttpResponse<String> updated = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-2", ORDER);
		HttpResponse<String> cancelled = call("POST", "/api/v1/orders/by-external-ref/mueller%3ASO-1/cancel", "key-3", "{}");

		assertThat(updated.statusCode()).isEqualTo(200);
		assertThat(updated.body()).contains("\"id\":\"ord-000001\"");
		assertThat(cancelled.statusCode()).isEqualTo(200);
		assertThat(API.operations()).extracting(Operation::kind).containsExactly("create", "update", "cancel");
	}

	@Test
	void appliesNoUpdateOlderThanTheLastEventApplied() {
		call("POST", "/api/v1/orders", "key-1", ORDER, "Event-Time", "2026-11-24T14:00:00+01:00");
		call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-2", ORDER, "Event-Time", "2026-11-24T15:00:00Z");

		HttpResponse<String> older = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-3", ORDER,
				"Event-Time", "2026-11-24T14:30:00Z");
		HttpResponse<String> malformed = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-4", ORDER,
				"Event-Time", "yesterday");

		assertThat(older.statusCode()).isEqualTo(200);
		assertThat(older.body()).contains("\"id\":\"ord-000001\"");
		assertThat(malformed.statusCode()).isEqualTo(400);
		assertThat(API.operations()).extracting(Operation::kind).containsExactly("create", "update");
	}

	@Test
	void answersAnUpdateOrCancelOfAnUnknownExternalRefWith404AsOurApiDoes() {
		HttpResponse<String> update = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-404", "key-1", ORDER);
		HttpResponse<String> cancel = call("POST", "/api/v1/orders/by-external-ref/mueller:SO-404/cancel", "key-2", "{}");

		assertThat(update.statusCode()).isEqualTo(404);
		assertThat(update.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(update.body()).contains(OrdersApiStandIn.PROBLEM_BASE + "order-not-found", "orders-internal");
		assertThat(cancel.statusCode()).isEqualTo(404);
		assertThat(API.operations()).isEmpty();
	}

	@Test
	void refusesASecondOrderForAnExternalRefWith422() {
		create("key-1", ORDER);

		HttpResponse<String> second = create("key-2", ORDER);

		assertThat(second.statusCode()).isEqualTo(422);
		assertThat(second.body()).contains("order-exists");
		assertThat(API.orders()).hasSize(1);
	}

	@Test
	void refusesAnOrderWithoutExternalRefWith422AndABodyThatIsNotJsonWith400() {
		assertThat(create("key-1", "{\"lines\":[]}").statusCode()).isEqualTo(422);
		assertThat(create("key-2", "{\"externalRef\":").statusCode()).isEqualTo(400);
		assertThat(API.orders()).isEmpty();
	}

	@Test
	void refusesACallWithoutTheBearerTokenWith401() {
		HttpResponse<String> response = StandInHttp.send("POST", SERVER.baseUrl() + "/api/v1/orders", ORDER,
				"Idempotency-Key", "key-1", "Authorization", "Bearer wrong");

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(API.orders()).isEmpty();
	}

	@Test
	void answersUnknownPathsWith404AndOtherMethodsWith405() {
		assertThat(call("POST", "/api/v1/invoices", "key-1", "{}").statusCode()).isEqualTo(404);
		assertThat(call("GET", "/api/v1/orders", "key-1", null).statusCode()).isEqualTo(405);
	}

	@Test
	void keepsADeadLetteredEventWith202() {
		HttpResponse<String> response = call("POST", "/api/v1/integration/dead-letters", null, "{\"id\":\"evt-1\"}");

		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(API.deadLetters()).containsExactly("{\"id\":\"evt-1\"}");
	}

	@Test
	void recordsEveryRequestAlsoThoseATestStubAnswered() {
		API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1).willReturn(aResponse().withStatus(503)));

		assertThat(create("key-1", ORDER).statusCode()).isEqualTo(503);

		assertThat(API.requests()).singleElement()
			.satisfies(request -> assertThat(request.getHeader("Idempotency-Key")).isEqualTo("key-1"));
		assertThat(API.orders()).isEmpty();
	}

	@Test
	void listsTheOrdersForScripts() {
		create("key-1", ORDER);

		HttpResponse<String> listing = StandInHttp.send("GET", SERVER.baseUrl() + "/__orders", null);

		assertThat(listing.body()).isEqualTo("key-1 ord-000001\n");
	}

	/** draft-ietf-httpapi-idempotency-key-header: the key's first request does the work, the others get its answer. */
	@Nested
	class IdempotencyKeys {

		@Test
		void answersARetryWithTheFirstAnswerMarkedReplayed() {
			HttpResponse<String> first = create("key-1", ORDER);

			HttpResponse<String> retry = create("key-1", ORDER);

			assertThat(retry.statusCode()).isEqualTo(201);
			assertThat(retry.body()).isEqualTo(first.body());
			assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
			assertThat(API.ordersCreated()).isEqualTo(1);
		}

		@Test
		void answersARetryOfARefusalWithTheSameRefusal() {
			create("key-1", ORDER);
			HttpResponse<String> first = create("key-2", ORDER);

			HttpResponse<String> retry = create("key-2", ORDER);

			assertThat(first.statusCode()).isEqualTo(422);
			assertThat(retry.statusCode()).isEqualTo(422);
			assertThat(retry.body()).isEqualTo(first.body());
			assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
		}

		@Test
		void triesAnUpdateOfAnOrderItDidNotHaveYetAgainOnceTheOrderIsThere() {
			HttpResponse<String> early = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-1", ORDER);
			create("key-2", ORDER);

			HttpResponse<String> redelivered = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-1", ORDER);

			assertThat(early.statusCode()).isEqualTo(404);
			assertThat(redelivered.statusCode()).isEqualTo(200);
			assertThat(redelivered.headers().firstValue("Idempotent-Replayed")).isEmpty();
			assertThat(API.operations()).extracting(Operation::kind).containsExactly("create", "update");
		}

		@Test
		void refusesAKeyReusedWithAnotherBodyWith422() {
			create("key-1", ORDER);

			HttpResponse<String> reused = create("key-1", "{\"externalRef\":\"mueller:SO-2\",\"lines\":[]}");

			assertThat(reused.statusCode()).isEqualTo(422);
			assertThat(reused.body()).contains(OrdersApiStandIn.PROBLEM_BASE + "idempotency-key-reused");
			assertThat(API.orders()).extracting(Order::externalRef).containsExactly("mueller:SO-1");
		}

		@Test
		void refusesAKeyReusedForAnotherOperationWith422() {
			create("key-1", ORDER);

			HttpResponse<String> reused = call("PUT", "/api/v1/orders/by-external-ref/mueller:SO-1", "key-1", ORDER);

			assertThat(reused.statusCode()).isEqualTo(422);
			assertThat(API.operations()).hasSize(1);
		}

		@Test
		void refusesACallWithoutKeyWith400() {
			HttpResponse<String> response = create(null, ORDER);

			assertThat(response.statusCode()).isEqualTo(400);
			assertThat(response.body()).contains("idempotency-key-missing");
			assertThat(API.orders()).isEmpty();
		}

		@Test
		void answers409WhileTheFirstRequestWithTheKeyIsInFlightAndItsAnswerOnceDone() throws Exception {
			try (Hold hold = API.hold()) {
				CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> create("key-1", ORDER));
				assertThat(hold.awaitHeld(Duration.ofSeconds(10))).isEqualTo("key-1");

				HttpResponse<String> concurrent = create("key-1", ORDER);

				assertThat(concurrent.statusCode()).isEqualTo(409);
				assertThat(concurrent.body()).contains("request-in-flight");
				assertThat(API.orders()).as("nothing committed while held").isEmpty();
				hold.release();
				assertThat(first.get().statusCode()).isEqualTo(201);
			}
			assertThat(create("key-1", ORDER).headers().firstValue("Idempotent-Replayed")).hasValue("true");
			assertThat(API.ordersCreated()).isEqualTo(1);
		}

		@Test
		void forgetsAKeyOnceItsRetentionIsOver() {
			MovableClock clock = new MovableClock();
			API.clock(clock);
			API.retainKeysFor(Duration.ofHours(72));
			create("key-1", ORDER);

			clock.advance(Duration.ofHours(71));
			HttpResponse<String> withinRetention = create("key-1", ORDER);
			clock.advance(Duration.ofHours(2));
			HttpResponse<String> afterRetention = create("key-1", ORDER);

			assertThat(withinRetention.headers().firstValue("Idempotent-Replayed")).hasValue("true");
			assertThat(afterRetention.headers().firstValue("Idempotent-Replayed")).isEmpty();
			assertThat(afterRetention.body()).as("a new request: the order exists").contains("order-exists");
		}

		@Test
		void keepsThreeDaysByDefault() {
			assertThat(OrdersApiStandIn.DEFAULT_RETENTION).isEqualTo(Duration.ofDays(3));
		}

		@Test
		void neverKeepsA5xxAsTheKeysAnswer() {
			API.faults(7, Map.of(Outcome.HTTP_500, 1), Duration.ZERO);
			assertThat(create("key-1", ORDER).statusCode()).isEqualTo(500);
			API.noFaults();

			HttpResponse<String> retry = create("key-1", ORDER);

			assertThat(retry.statusCode()).isEqualTo(201);
			assertThat(API.orders()).hasSize(1);
		}

	}

	@Nested
	class Faults {

		@Test
		void drawsTheSameFaultsForTheSameSeedAndKeys() {
			Map<Outcome, Integer> weights = new EnumMap<>(Outcome.class);
			for (Outcome outcome : Outcome.values()) {
				weights.put(outcome, 1);
			}
			List<Integer> firstRun = statusesFor(weights);
			Map<String, Integer> firstInjected = API.injected();
			reset();

			List<Integer> secondRun = statusesFor(weights);

			assertThat(secondRun).isEqualTo(firstRun);
			assertThat(API.injected()).isEqualTo(firstInjected).isNotEmpty();
		}

		private List<Integer> statusesFor(Map<Outcome, Integer> weights) {
			API.faults(42, weights, Duration.ofMillis(10));
			List<Integer> statuses = new ArrayList<>();
			for (int i = 0; i < 30; i++) {
				try {
					statuses.add(create("key-" + i, "{\"externalRef\":\"mueller:SO-" + i + "\"}").statusCode());
				}
				catch (RuntimeException brokenAnswer) {
					statuses.add(-1);
				}
			}
			return statuses;
		}

		@Test
		void commitsTheOrderBeforeAFaultAfterTheCommit() {
			// The first seed that draws the 502 after the commit for key-1; before it, nothing may be committed.
			Map<Outcome, Integer> weights = Map.of(Outcome.HTTP_502, 1);
			for (long seed = 0; ; seed++) {
				reset();
				API.faults(seed, weights, Duration.ZERO);
				assertThat(create("key-1", ORDER).statusCode()).isEqualTo(502);
				if (API.injected().containsKey("HTTP_502-after")) {
					break;
				}
				assertThat(API.orders()).isEmpty();
			}
			API.noFaults();

			HttpResponse<String> retry = create("key-1", ORDER);

			assertThat(API.orders()).hasSize(1);
			assertThat(retry.statusCode()).isEqualTo(201);
			assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
		}

		@Test
		void throttlesWith429AndAnHttpDate() {
			API.faults(1, Map.of(Outcome.HTTP_429_HTTP_DATE, 1), Duration.ZERO);

			HttpResponse<String> response = create("key-1", ORDER);

			assertThat(response.statusCode()).isEqualTo(429);
			ZonedDateTime retryAfter = ZonedDateTime.parse(response.headers().firstValue("Retry-After").orElseThrow(),
					DateTimeFormatter.RFC_1123_DATE_TIME);
			assertThat(retryAfter.toInstant()).isAfter(Instant.now().minusSeconds(1));
			assertThat(API.orders()).isEmpty();
		}

		@Test
		void rejectsTheOrderWith422WhenTheBusinessSaysNoAndKeepsThatAnswer() {
			API.faults(1, Map.of(Outcome.HTTP_422, 1), Duration.ZERO);
			assertThat(create("key-1", ORDER).statusCode()).isEqualTo(422);
			API.noFaults();

			HttpResponse<String> retry = create("key-1", ORDER);

			assertThat(retry.statusCode()).isEqualTo(422);
			assertThat(retry.body()).contains("order-rejected");
			assertThat(API.orders()).isEmpty();
		}

		@Test
		void sleepsPastTheDeadline() {
			API.faults(1, Map.of(Outcome.PAST_DEADLINE, 1), Duration.ofMillis(700));
			long start = System.nanoTime();

			create("key-1", ORDER);

			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
		}

		@Test
		void sendsAGarbage2xxOnlyAfterTheCommit() {
			API.faults(1, Map.of(Outcome.GARBAGE_2XX, 1), Duration.ZERO);

			HttpResponse<String> response = create("key-1", ORDER);

			assertThat(response.statusCode()).isEqualTo(201);
			assertThat(response.body()).doesNotContain("ord-000001");
			assertThat(API.orders()).hasSize(1);
			assertThat(API.injected()).containsOnlyKeys("GARBAGE_2XX-after");
		}

	}

	/** A clock a test moves forward. */
	static final class MovableClock extends Clock {

		private Instant now = Instant.now();

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
