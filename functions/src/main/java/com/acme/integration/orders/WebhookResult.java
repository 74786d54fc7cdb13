package com.acme.integration.orders;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What the webhook sender gets with a 200: our order id and what happened.
 *
 * @param orderId the Orders API's id of the order; null, and then left out of the answer, when
 * the API accepted the request (2xx) but its body carried no readable id
 * @param result {@code created}, {@code updated}, {@code cancelled} or {@code duplicate} (the API
 * already had this webhook id and replayed its first answer); {@code pong} for a ping
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebhookResult(@Nullable String orderId, String result) {

	/** The answer to a ping: verified, nothing sent. */
	static final WebhookResult PONG = new WebhookResult(null, "pong");

}
