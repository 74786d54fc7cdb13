package com.acme.integration.status;

import java.util.Map;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic of {@code orderStatusSync}: read the CloudEvent, keep it only if the order is this customer's,
 * map our status to the ERP's and send it. No Spring types, no metrics: the function bean adds those.
 */
final class OrderStatusSync {

	private static final Logger log = LoggerFactory.getLogger(OrderStatusSync.class);

	enum Outcome {

		/** The ERP answered 2xx. */
		FORWARDED,

		/** Another customer's order: acknowledged, nothing sent. */
		SKIPPED,

		/** A smoke-check event, valid: acknowledged, nothing sent. */
		SMOKE_CHECK

	}

	/** The same rule the webhook side applies to the customer's order numbers. */
	private static final Pattern ORDER_NUMBER = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

	private final String customerPrefix;

	private final StatusEventParser parser;

	private final ErpStatusClient erp;

	OrderStatusSync(String customerKey, StatusEventParser parser, ErpStatusClient erp) {
		this.customerPrefix = customerKey + ":";
		this.parser = parser;
		this.erp = erp;
	}

	Outcome handle(byte[] body, Map<String, ?> headers) {
		return this.parser.parse(body, headers).map(this::handle).orElse(Outcome.SMOKE_CHECK);
	}

	Outcome handle(StatusChangedEvent event) {
		if (!event.externalRef().startsWith(this.customerPrefix)) {
			log.info("status event {} skipped: order {} is another customer's", event.id(), event.orderId());
			return Outcome.SKIPPED;
		}
		String orderNumber = event.externalRef().substring(this.customerPrefix.length());
		ErpStatusUpdate update = toErpUpdate(event, orderNumber);
		this.erp.updateStatus(orderNumber, update);
		log.info("status event {} forwarded: order {} is {} at the ERP (changed at {})", event.id(), orderNumber,
				update.status(), update.updatedAt());
		return Outcome.FORWARDED;
	}

	/** Our event as the ERP's status update; throws {@link InvalidEventException} where no mapping exists. */
	static ErpStatusUpdate toErpUpdate(StatusChangedEvent event, String orderNumber) {
		if (!ORDER_NUMBER.matcher(orderNumber).matches()) {
			throw new InvalidEventException(EventViolation.atPointer(event.pointer("externalRef"),
					"must be <customer key>:<order number>, the order number of letters, digits, '.', '_' and '-'"));
		}
		OrderStatus status = OrderStatus.fromWireName(event.status())
			.orElseThrow(() -> new InvalidEventException(EventViolation.atPointer(event.pointer("status"),
					"must be one of " + OrderStatus.wireNames())));
		if (status.trackingNumberRequired() && event.trackingNumber() == null) {
			throw new InvalidEventException(EventViolation.atPointer(event.pointer("trackingNumber"),
					"is required when the status is " + status.name()));
		}
		return new ErpStatusUpdate(status.erpStatus(), event.trackingNumber(), event.carrier(), event.changedAt());
	}

}
