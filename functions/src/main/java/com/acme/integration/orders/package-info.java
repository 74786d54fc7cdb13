/**
 * Customer order webhooks into our Orders API: the {@code orderWebhook} function (Java), the
 * Orders API client (Java) and the customer-to-our-model mapping (Kotlin, {@code mapOrder}).
 */
@NullMarked
package com.acme.integration.orders;

import org.jspecify.annotations.NullMarked;
