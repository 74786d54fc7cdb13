package com.acme.integration.orders;

import org.jspecify.annotations.Nullable;

/**
 * What the webhook sender gets with a 200: our order id and what happened.
 *
 * @param orderId the Orders API's id of the order
 * @param result {@code created}, {@code updated}, {@code cancelled} or {@code duplicate} (the API
 * already had this webhook id and replayed its first answer)
 */
public record WebhookResult(@Nullable String orderId, String result) {
}
