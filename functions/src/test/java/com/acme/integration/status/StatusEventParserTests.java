package com.acme.integration.status;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class StatusEventParserTests {

	private final StatusEventParser parser = new StatusEventParser();

	@Test
	void readsStructuredModeEvent() {
		StatusChangedEvent event = this.parser.parse(StatusSamples.structured("status-shipped.json"),
				StatusSamples.structuredHeaders()).orElseThrow();

		assertThat(event).isEqualTo(new StatusChangedEvent("5f1c7a0e-3b7d-4c55-9a51-0d7c3f6a2b10",
				"https://orders.acme.example/api/v1/orders", "#/data", "ord_123", "mueller:SO-100234", "SHIPPED",
				"00340434161234567890", "DHL", "2026-11-24T12:00:00Z"));
	}

	@Test
	void readsBinaryModeEventWithHeadersInAnyCase() {
		StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");
		Map<String, Object> headers = new LinkedHashMap<>();
		binary.headers().forEach((name, value) -> headers.put(name.toUpperCase(), value));

		StatusChangedEvent event = this.parser.parse(binary.body(), headers).orElseThrow();

		assertThat(event.id()).isEqualTo("5f1c7a0e-3b7d-4c55-9a51-0d7c3f6a2b10");
		assertThat(event.dataPointer()).isEqualTo("#");
		assertThat(event.externalRef()).isEqualTo("mueller:SO-100234");
		assertThat(event.trackingNumber()).isEqualTo("00340434161234567890");
	}

	@Test
	void acceptsStructuredModeWithoutOptionalFields() {
		StatusChangedEvent event = this.parser.parse(StatusSamples.structured("status-accepted.json"),
				StatusSamples.structuredHeaders()).orElseThrow();

		assertThat(event.trackingNumber()).isNull();
		assertThat(event.carrier()).isNull();
		assertThat(event.status()).isEqualTo("ACCEPTED");
	}

	@Test
	void binaryModeWithoutContentTypeIsReadAsJson() {
		StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");
		Map<String, Object> headers = new LinkedHashMap<>(binary.headers());
		headers.remove("Content-Type");

		assertThat(this.parser.parse(binary.body(), headers).orElseThrow().status()).isEqualTo("SHIPPED");
	}

	@Nested
	class RejectsStructuredMode {

		@Test
		void whenTypeIsNotStatusChanged() {
			assertViolations(StatusSamples.structured("wrong-type.json"),
					"{pointer=#/type, detail=must be com.acme.orders.status-changed.v1}");
		}

		@Test
		void whenSpecVersionIsNotOnePointZero() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			event.put("specversion", "0.3");

			assertViolations(StatusSamples.bytes(event), "{pointer=#/specversion, detail=must be 1.0}");
		}

		@Test
		void listingEveryMissingAttributeAndDataField() {
			assertViolations("{\"data\": {\"status\": 7}}".getBytes(StandardCharsets.UTF_8),
					"{pointer=#/specversion, detail=is required}", "{pointer=#/id, detail=is required}",
					"{pointer=#/source, detail=is required}", "{pointer=#/type, detail=is required}",
					"{pointer=#/data/orderId, detail=is required}", "{pointer=#/data/externalRef, detail=is required}",
					"{pointer=#/data/status, detail=must be a string}", "{pointer=#/data/changedAt, detail=is required}");
		}

		@Test
		void whenDataIsMissing() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			event.remove("data");

			assertViolations(StatusSamples.bytes(event), "{pointer=#/data, detail=is required}");
		}

		@Test
		void whenDataComesAsBase64() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			event.remove("data");
			event.put("data_base64", "e30=");

			assertViolations(StatusSamples.bytes(event),
					"{pointer=#/data_base64, detail=is not supported: the data must be a JSON object in data}",
					"{pointer=#/data, detail=is required}");
		}

		@Test
		void whenDataComesTwice() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			event.put("data_base64", "e30=");

			assertViolations(StatusSamples.bytes(event), "{pointer=#/data_base64, detail=must not be set together with data}");
		}

		@Test
		void whenChangedAtIsNoRfc3339DateTime() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			((ObjectNode) event.get("data")).put("changedAt", "24.11.2026 12:00");

			assertViolations(StatusSamples.bytes(event),
					"{pointer=#/data/changedAt, detail=must be an RFC 3339 date-time with offset, e.g. 2026-11-24T12:00:00Z}");
		}

		@Test
		void whenDataContentTypeIsNotJson() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			event.put("datacontenttype", "text/plain");

			assertViolations(StatusSamples.bytes(event),
					"{pointer=#/datacontenttype, detail=must be application/json when present}");
		}

		@Test
		void whenTheBodyIsNotJson() {
			assertViolations("{\"specversion\": ".getBytes(StandardCharsets.UTF_8),
					"{pointer=#, detail=must be one well-formed JSON document (no duplicate keys)}");
		}

		@Test
		void whenAKeyIsDuplicated() {
			assertViolations("{\"id\": \"a\", \"id\": \"b\"}".getBytes(StandardCharsets.UTF_8),
					"{pointer=#, detail=must be one well-formed JSON document (no duplicate keys)}");
		}

		@Test
		void whenTheBodyIsNotUtf8() {
			assertViolations(new byte[] { '{', (byte) 0xC3, '}' }, "{pointer=#, detail=must be UTF-8 encoded JSON}");
		}

		@Test
		void whenTheBodyHoldsTheMarkOfBytesTheWebLayerCouldNotDecode() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			((ObjectNode) event.get("data")).put("carrier", "Spedition M\uFFFDller");

			assertViolations(StatusSamples.bytes(event), "{pointer=#, detail=must be UTF-8 encoded JSON}");
		}

		@Test
		void whenTheEventIsNoObject() {
			assertViolations("[]".getBytes(StandardCharsets.UTF_8),
					"{pointer=#, detail=must be a JSON object (a CloudEvent)}");
		}

		private void assertViolations(byte[] body, String... expected) {
			assertThatExceptionOfType(InvalidEventException.class)
				.isThrownBy(() -> StatusEventParserTests.this.parser.parse(body, StatusSamples.structuredHeaders()))
				.satisfies(ex -> assertThat(ex.violations()).map(v -> v.toProblemError().toString())
					.containsExactly(expected));
		}

	}

	@Nested
	class RejectsBinaryMode {

		@Test
		void whenCeTypeIsNotStatusChanged() {
			StatusSamples.Binary binary = StatusSamples.binary("wrong-type.json");

			assertViolations(binary.body(), binary.headers(),
					"{header=ce-type, detail=must be com.acme.orders.status-changed.v1}");
		}

		@Test
		void whenRequiredCeHeadersAreMissing() {
			StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");
			Map<String, Object> headers = new LinkedHashMap<>(binary.headers());
			headers.remove("ce-id");
			headers.remove("ce-source");

			assertViolations(binary.body(), headers, "{header=ce-id, detail=is required}",
					"{header=ce-source, detail=is required}");
		}

		@Test
		void whenContentTypeIsNotJson() {
			StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");
			Map<String, Object> headers = new LinkedHashMap<>(binary.headers());
			headers.put("Content-Type", "text/plain");

			assertViolations(binary.body(), headers,
					"{header=content-type, detail=must be application/json: the data of this event type is a JSON object}");
		}

		@Test
		void withPointersIntoTheDataBody() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			((ObjectNode) event.get("data")).remove("orderId");
			StatusSamples.Binary binary = StatusSamples.binary(event);

			assertViolations(binary.body(), binary.headers(), "{pointer=#/orderId, detail=is required}");
		}

		@Test
		void whenNeitherCeHeadersNorStructuredContentTypeArePresent() {
			assertViolations(StatusSamples.structured("status-shipped.json"), Map.of("content-type", "application/json"),
					"{header=content-type, detail=must be application/cloudevents+json (structured mode), "
							+ "or the event attributes must come as ce-* headers (binary mode); batches "
							+ "(application/cloudevents-batch+json) are not taken}");
		}

		private void assertViolations(byte[] body, Map<String, Object> headers, String... expected) {
			assertThatExceptionOfType(InvalidEventException.class)
				.isThrownBy(() -> StatusEventParserTests.this.parser.parse(body, headers))
				.satisfies(ex -> assertThat(ex.violations()).map(v -> v.toProblemError().toString())
					.containsExactly(expected));
		}

	}

}
