package com.acme.integration.orders;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;

import com.acme.integration.config.ConditionalOnExposedFunction;
import com.acme.integration.config.RawRequest;
import com.acme.integration.webhook.SignatureVerifier;

/**
 * The orderWebhook function (POST /orderWebhook): a thin adapter from the HTTP message (raw body
 * bytes and headers) to {@link OrderWebhookHandler}. Wired only where orderWebhook is in
 * {@code spring.cloud.function.definition}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExposedFunction("orderWebhook")
class OrderWebhookConfiguration {

	@Bean
	OrdersApiClient ordersApiClient(OrdersApiProperties properties, JsonMapper jsonMapper, MeterRegistry meters,
			ObjectProvider<Clock> clock) {
		return new OrdersApiClient(properties, jsonMapper, meters, clock.getIfAvailable(Clock::systemUTC));
	}

	@Bean
	OrderWebhookHandler orderWebhookHandler(SignatureVerifier verifier, CustomerOrderMapper mapper,
			OrdersApiClient ordersApiClient, MeterRegistry meters) {
		return new OrderWebhookHandler(verifier, mapper, ordersApiClient, meters);
	}

	/**
	 * The message carries the body decoded to text and one line per header; the signature is over
	 * the bytes as sent and a repeated signing header must be seen, so both come from
	 * {@link RawRequest} where the function serves an HTTP request.
	 */
	@Bean
	Function<Message<byte[]>, WebhookResult> orderWebhook(OrderWebhookHandler handler) {
		return message -> handler.handle(header(message, "webhook-id"), header(message, "webhook-timestamp"),
				header(message, "webhook-signature"), RawRequest.body(message.getPayload()));
	}

	private static List<String> header(Message<byte[]> message, String name) {
		List<String> lines = RawRequest.headerLines(name);
		if (lines != null) {
			return lines;
		}
		// HTTP header names are case-insensitive; message header names are not.
		for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
			if (header.getKey().toLowerCase(Locale.ROOT).equals(name)) {
				return List.of(String.valueOf(header.getValue()));
			}
		}
		return List.of();
	}

}
