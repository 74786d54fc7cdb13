package com.acme.integration.status;

import java.util.Arrays;
import java.util.Optional;

/** Our platform's order statuses as they appear in status-changed events, and the ERP's word for each. */
enum OrderStatus {

	ACCEPTED("confirmed", false),
	IN_PRODUCTION("processing", false),
	SHIPPED("shipped", true),
	DELIVERED("delivered", false),
	CANCELLED("cancelled", false);

	private final String erpStatus;

	private final boolean trackingNumberRequired;

	OrderStatus(String erpStatus, boolean trackingNumberRequired) {
		this.erpStatus = erpStatus;
		this.trackingNumberRequired = trackingNumberRequired;
	}

	String erpStatus() {
		return this.erpStatus;
	}

	boolean trackingNumberRequired() {
		return this.trackingNumberRequired;
	}

	/** Exact, case-sensitive match: an unknown spelling is a permanent error, not a guess. */
	static Optional<OrderStatus> fromWireName(String name) {
		return Arrays.stream(values()).filter(status -> status.name().equals(name)).findFirst();
	}

	static String wireNames() {
		return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
	}

}
