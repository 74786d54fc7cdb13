package com.acme.integration.orders;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import com.acme.integration.config.ConditionalOnExposedFunction;

/**
 * Our Orders API as the orderWebhook function calls it.
 *
 * @param baseUrl e.g. {@code https://orders.platform.example}; paths {@code /api/v1/...} are appended
 * @param token bearer token (a secret: environment variable or mounted file, never in git)
 * @param deadline total time for one webhook's call including retries and backoff; keep it below
 * what webhook senders wait for
 * @param connectTimeout TCP connect timeout of one attempt
 * @param readTimeout response timeout of one attempt (also capped by what is left of the deadline)
 * @param initialBackoff first retry delay; doubles each retry, with jitter
 * @param maxBackoff upper bound of one retry delay (a longer Retry-After from the API still wins)
 * @param maxRetries upper bound on retries; the deadline usually ends them first
 * @param unavailableRetryAfter Retry-After we answer with when the API gave none
 * @param unknownOrderRetryAfter Retry-After we answer an update or cancellation with while our API does not
 * know the order yet (its order.created has not arrived)
 */
@Validated
@ConfigurationProperties("integration.orders-api")
@ConditionalOnExposedFunction("orderWebhook")
public record OrdersApiProperties(@NotNull URI baseUrl, @NotBlank String token,
		@DefaultValue("10s") @NotNull Duration deadline, @DefaultValue("2s") @NotNull Duration connectTimeout,
		@DefaultValue("5s") @NotNull Duration readTimeout, @DefaultValue("200ms") @NotNull Duration initialBackoff,
		@DefaultValue("2s") @NotNull Duration maxBackoff, @DefaultValue("10") @Min(0) @Max(100) int maxRetries,
		@DefaultValue("30s") @NotNull Duration unavailableRetryAfter,
		@DefaultValue("60s") @NotNull Duration unknownOrderRetryAfter) {

	@Override
	public String toString() {
		return "OrdersApiProperties[baseUrl=" + this.baseUrl + ", token=******, deadline=" + this.deadline
				+ ", connectTimeout=" + this.connectTimeout + ", readTimeout=" + this.readTimeout + "]";
	}

}
