package com.acme.integration.status;

import org.jspecify.annotations.Nullable;

/**
 * A {@code com.acme.orders.status-changed.v1} CloudEvent that passed the structural checks: every attribute
 * and data field is present with the right JSON type and {@code changedAt} is an RFC 3339 date-time. The
 * business checks (whose order, which status) come later, in {@link OrderStatusSync}.
 *
 * @param id the CloudEvent id (Knative redelivers with the same id)
 * @param source the CloudEvent source
 * @param dataPointer where the data sits in the request body: {@code #/data} (structured) or {@code #} (binary)
 * @param changedAt as sent, an RFC 3339 date-time; passed on to the ERP unchanged
 */
record StatusChangedEvent(String id, String source, String dataPointer, String orderId, String externalRef,
		String status, @Nullable String trackingNumber, @Nullable String carrier, String changedAt) {

	String pointer(String field) {
		return this.dataPointer + "/" + field;
	}

}
