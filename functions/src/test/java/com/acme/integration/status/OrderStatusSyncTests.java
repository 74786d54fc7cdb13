package com.acme.integration.status;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OrderStatusSyncTests {

	private final RecordingErp erp = new RecordingErp();

	private final OrderStatusSync sync = new OrderStatusSync("mueller", new StatusEventParser(), this.erp);

	@Test
	void forwardsShippedWithTrackingNumberCarrierAndChangedAtAsUpdatedAt() {
		OrderStatusSync.Outcome outcome = this.sync.handle(StatusSamples.structured("status-shipped.json"),
				StatusSamples.structuredHeaders());

		assertThat(outcome).isEqualTo(OrderStatusSync.Outcome.FORWARDED);
		assertThat(this.erp.calls).containsExactly(new Call("SO-100234",
				new ErpStatusUpdate("shipped", "00340434161234567890", "DHL", "2026-11-24T12:00:00Z")));
	}

	@ParameterizedTest
	@CsvSource({ "ACCEPTED, confirmed", "IN_PRODUCTION, processing", "SHIPPED, shipped", "DELIVERED, delivered",
			"CANCELLED, cancelled" })
	void mapsEveryStatusOfOursToTheErps(String ours, String erps) {
		ObjectNode event = StatusSamples.event("status-shipped.json");
		((ObjectNode) event.get("data")).put("status", ours);

		this.sync.handle(StatusSamples.bytes(event), StatusSamples.structuredHeaders());

		assertThat(this.erp.calls).singleElement().satisfies(call -> assertThat(call.update().status()).isEqualTo(erps));
	}

	@Test
	void leavesTrackingNumberAndCarrierOutWhenTheEventHasNone() {
		this.sync.handle(StatusSamples.structured("status-accepted.json"), StatusSamples.structuredHeaders());

		assertThat(this.erp.calls).containsExactly(
				new Call("SO-100234", new ErpStatusUpdate("confirmed", null, null, "2026-11-24T10:16:00Z")));
	}

	@Test
	void skipsAnotherCustomersOrderWithoutCallingTheErp() {
		OrderStatusSync.Outcome outcome = this.sync.handle(StatusSamples.structured("foreign-customer.json"),
				StatusSamples.structuredHeaders());

		assertThat(outcome).isEqualTo(OrderStatusSync.Outcome.SKIPPED);
		assertThat(this.erp.calls).isEmpty();
	}

	@Test
	void skipsAKeyThatOnlyStartsLikeOurs() {
		ObjectNode event = StatusSamples.event("status-shipped.json");
		((ObjectNode) event.get("data")).put("externalRef", "muellerbau:SO-1");

		assertThat(this.sync.handle(StatusSamples.bytes(event), StatusSamples.structuredHeaders()))
			.isEqualTo(OrderStatusSync.Outcome.SKIPPED);
		assertThat(this.erp.calls).isEmpty();
	}

	@Nested
	class RefusesForGood {

		@Test
		void anUnknownStatus() {
			assertRefused(StatusSamples.structured("unknown-status.json"), "{pointer=#/data/status, "
					+ "detail=must be one of ACCEPTED, IN_PRODUCTION, SHIPPED, DELIVERED, CANCELLED}");
		}

		@Test
		void shippedWithoutTrackingNumber() {
			assertRefused(StatusSamples.structured("shipped-without-tracking.json"),
					"{pointer=#/data/trackingNumber, detail=is required when the status is SHIPPED}");
		}

		@Test
		void anOrderNumberThatCouldNotBeOneOfTheCustomers() {
			ObjectNode event = StatusSamples.event("status-shipped.json");
			((ObjectNode) event.get("data")).put("externalRef", "mueller:SO/../admin");

			assertRefused(StatusSamples.bytes(event), "{pointer=#/data/externalRef, detail=must be <customer key>:"
					+ "<order number>, the order number of letters, digits, '.', '_' and '-'}");
		}

		private void assertRefused(byte[] body, String violation) {
			assertThatExceptionOfType(InvalidEventException.class)
				.isThrownBy(() -> OrderStatusSyncTests.this.sync.handle(body, StatusSamples.structuredHeaders()))
				.satisfies(ex -> assertThat(ex.violations()).map(v -> v.toProblemError().toString())
					.containsExactly(violation));
			assertThat(OrderStatusSyncTests.this.erp.calls).isEmpty();
		}

	}

	record Call(String orderNumber, ErpStatusUpdate update) {
	}

	static final class RecordingErp implements ErpStatusClient {

		final List<Call> calls = new ArrayList<>();

		@Override
		public void updateStatus(String orderNumber, ErpStatusUpdate update) {
			this.calls.add(new Call(orderNumber, update));
		}

	}

}
