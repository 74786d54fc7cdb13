package com.acme.integration.orders;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class OrdersApiClientTests {

	static final Instant NOW = Instant.parse("2026-11-24T10:15:00Z");

	static OrdersApiProperties properties(String baseUrl) {
		return new OrdersApiProperties(URI.create(baseUrl), "secret-token", Duration.ofSeconds(10),
				Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(2), 10,
				Duration.ofSeconds(30), Duration.ofSeconds(60));
	}

	private final OrdersApiClient client = new OrdersApiClient(properties("https://orders.example"),
			JsonMapper.builder().build(), new SimpleMeterRegistry(), Clock.fixed(NOW, ZoneOffset.UTC));

	@Nested
	class RetryAfter {

		@Test
		void readsDeltaSeconds() {
			assertThat(client.retryAfter("120")).isEqualTo(Duration.ofSeconds(120));
		}

		@Test
		void readsAnHttpDateRelativeToOurClock() {
			assertThat(client.retryAfter("Tue, 24 Nov 2026 10:16:30 GMT")).isEqualTo(Duration.ofSeconds(90));
		}

		@Test
		void treatsAnHttpDateInThePastAsNow() {
			assertThat(client.retryAfter("Tue, 24 Nov 2026 10:00:00 GMT")).isEqualTo(Duration.ZERO);
		}

		@Test
		void ignoresAbsentOrUnreadableValues() {
			assertThat(client.retryAfter(null)).isNull();
			assertThat(client.retryAfter("soon")).isNull();
			assertThat(client.retryAfter("-5")).isNull();
		}

	}

	@Nested
	class Uris {

		@Test
		void buildsTheThreeOperationsUnderTheBaseUrl() {
			assertThat(client.uri(OrdersApiClient.Operation.CREATE, "mueller:SO-1"))
				.hasToString("https://orders.example/api/v1/orders");
			assertThat(client.uri(OrdersApiClient.Operation.UPDATE, "mueller:SO-1"))
				.hasToString("https://orders.example/api/v1/orders/by-external-ref/mueller:SO-1");
			assertThat(client.uri(OrdersApiClient.Operation.CANCEL, "mueller:SO-1"))
				.hasToString("https://orders.example/api/v1/orders/by-external-ref/mueller:SO-1/cancel");
		}

		@Test
		void keepsAPathPrefixOfTheBaseUrl() {
			OrdersApiClient prefixed = new OrdersApiClient(properties("https://gw.example/orders-api"),
					JsonMapper.builder().build(), new SimpleMeterRegistry(), Clock.systemUTC());

			assertThat(prefixed.uri(OrdersApiClient.Operation.CREATE, "mueller:SO-1"))
				.hasToString("https://gw.example/orders-api/api/v1/orders");
		}

		@Test
		void encodesCharactersThatWouldLeaveThePathSegment() {
			assertThat(client.uri(OrdersApiClient.Operation.UPDATE, "mueller:SO/1?x").toString())
				.endsWith("/by-external-ref/mueller:SO%2F1%3Fx");
		}

	}

	@Test
	void neverPrintsTheTokenInItsProperties() {
		assertThat(properties("https://orders.example").toString()).doesNotContain("secret-token");
	}

}
