package com.acme.integration.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code PUT {erp}/api/orders/{orderNumber}/status}. {@code updatedAt} is the event's
 * {@code changedAt}: Knative Eventing does not guarantee order, so the ERP compares it to discard stale updates.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ErpStatusUpdate(String status, @Nullable String trackingNo, @Nullable String carrier, String updatedAt) {
}
