/**
 * Order status back to the customer's ERP: the {@code orderStatusSync} function takes our platform's
 * {@code com.acme.orders.status-changed.v1} CloudEvents (delivered by a Knative Trigger) and forwards
 * the customer's orders to the ERP's status endpoint, authenticated with OAuth2 client credentials.
 */
@NullMarked
package com.acme.integration.status;

import org.jspecify.annotations.NullMarked;
