package com.acme.integration.status;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of order status sync: {@code integration.status.events{outcome}} counts every event answered
 * (forwarded, skipped, smoke, transient, permanent); {@code integration.status.erp.requests{outcome}} times each HTTP
 * exchange with the ERP, token fetch included (success, rejected, unauthorized, unavailable, io-error,
 * token-error).
 */
final class ErpStatusMetrics {

	static final String EVENTS = "integration.status.events";

	static final String ERP_REQUESTS = "integration.status.erp.requests";

	private final MeterRegistry registry;

	private final Counter forwarded;

	private final Counter skipped;

	private final Counter smokeChecks;

	private final Counter transientFailures;

	private final Counter permanentFailures;

	ErpStatusMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.forwarded = counter("forwarded");
		this.skipped = counter("skipped");
		this.smokeChecks = counter("smoke");
		this.transientFailures = counter("transient");
		this.permanentFailures = counter("permanent");
	}

	private Counter counter(String outcome) {
		return Counter.builder(EVENTS)
			.description("Status-changed CloudEvents answered, by outcome")
			.tag("outcome", outcome)
			.register(this.registry);
	}

	void forwarded() {
		this.forwarded.increment();
	}

	void skipped() {
		this.skipped.increment();
	}

	void smokeCheck() {
		this.smokeChecks.increment();
	}

	void transientFailure() {
		this.transientFailures.increment();
	}

	void permanentFailure() {
		this.permanentFailures.increment();
	}

	void erpRequest(String outcome, long nanos) {
		Timer.builder(ERP_REQUESTS)
			.description("Status updates sent to the ERP, by outcome")
			.tag("outcome", outcome)
			.register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
	}

}
