package com.acme.integration.orders;

import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;

import com.acme.integration.config.ConditionalOnExposedFunction;
import com.acme.integration.webhook.SignatureVerifier;

/**
 * The orderWebhook function (POST /orderWebhook): a thin adapter from the HTTP message (body bytes
 * and headers) to {@link OrderWebhookHandler}. Wired only where orderWebhook is in
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

	/** The body and the signing headers of the HTTP request, as the web layer hands them to the function. */
	@Bean
	Function<Message<byte[]>, WebhookResult> orderWebhook(OrderWebhookHandler handler) {
		return message -> handler.handle(header(message, "webhook-id"), header(message, "webhook-timestamp"),
				header(message, "webhook-signature"), message.getPayload());
	}

	/** HTTP header names are case-insensitive; message header names are not. */
	private static @Nullable String header(Message<byte[]> message, String name) {
		for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
			if (header.getKey().equalsIgnoreCase(name)) {
				return String.valueOf(header.getValue());
			}
		}
		return null;
	}

}
