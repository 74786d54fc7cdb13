package com.acme.integration.orders;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.acme.integration.webhook.InvalidSignatureException;
import com.acme.integration.webhook.SignatureVerifier;
import com.acme.integration.webhook.SignatureVerifier.SignedBy;

/**
 * One customer webhook, start to end: verify the signature over the body bytes, map (parse and
 * validate) the body, deliver it to our Orders API with the webhook id as idempotency key, and
 * answer only once the API has it. Counts every outcome per event type.
 */
class OrderWebhookHandler {

	private static final Logger log = LoggerFactory.getLogger(OrderWebhookHandler.class);

	private final SignatureVerifier verifier;

	private final CustomerOrderMapper mapper;

	private final OrdersApiClient ordersApi;

	private final MeterRegistry meters;

	/** By "type|outcome": registered once, not looked up for every webhook. */
	private final Map<String, Counter> counters = new ConcurrentHashMap<>();

	OrderWebhookHandler(SignatureVerifier verifier, CustomerOrderMapper mapper, OrdersApiClient ordersApi,
			MeterRegistry meters) {
		this.verifier = verifier;
		this.mapper = mapper;
		this.ordersApi = ordersApi;
		this.meters = meters;
	}

	/**
	 * @param webhookId the {@code webhook-id} header
	 * @param timestamp the {@code webhook-timestamp} header
	 * @param signatures the {@code webhook-signature} header
	 * @param body the body, as the web layer decoded and re-encoded it: byte for byte what a UTF-8 sender sent
	 */
	WebhookResult handle(@Nullable String webhookId, @Nullable String timestamp, @Nullable String signatures,
			byte[] body) {
		String eventType = "unknown";
		try {
			// Bytes that were not UTF-8 reach us as U+FFFD, and the signature is checked over what reached us.
			this.mapper.requireUtf8(body);
			SignedBy signedBy = this.verifier.verify(webhookId, timestamp, signatures, body);
			CustomerOrderEvent event = this.mapper.map(body);
			eventType = event.getType().getWireName();
			if (event.getType() == OrderEventType.PING) {
				count(eventType, "pong");
				log.info("Webhook ping answered (signed by {})", signedBy);
				return WebhookResult.PONG;
			}
			if (signedBy == SignedBy.SMOKE_CHECK) {
				throw new InvalidSignatureException("A smoke-check secret signs pings only.");
			}
			WebhookResult result = deliver(event, Objects.requireNonNull(webhookId));
			count(eventType, result.result());
			log.info("Webhook {} for {} delivered: order {} {}", eventType, event.getExternalRef(), result.orderId(),
					result.result());
			return result;
		}
		catch (InvalidSignatureException ex) {
			count(eventType, "invalid_signature");
			log.warn("Webhook refused: {}", ex.getMessage());
			throw ex;
		}
		catch (MalformedPayloadException ex) {
			count(eventType, "malformed");
			log.warn("Webhook refused: malformed JSON");
			throw ex;
		}
		catch (InvalidPayloadException ex) {
			count(eventType, (ex instanceof UnknownEventTypeException) ? "unknown_type" : "invalid");
			log.warn("Webhook refused: {} field error(s)", ex.getErrors().size());
			throw ex;
		}
		catch (UpstreamRejectedException ex) {
			count(eventType, "rejected");
			log.warn("Webhook {} rejected by the Orders API with status {}", eventType, ex.upstreamStatus());
			throw ex;
		}
		catch (UpstreamOrderUnknownException ex) {
			count(eventType, "unknown_order");
			log.warn("Webhook {} for {} not taken yet: our Orders API does not know the order; the sender is asked to "
					+ "deliver it again", eventType, ex.externalRef());
			throw ex;
		}
		catch (UpstreamConflictException ex) {
			count(eventType, "conflict");
			log.warn("Webhook {} is already in flight at the Orders API", eventType);
			throw ex;
		}
		catch (UpstreamUnavailableException ex) {
			count(eventType, "unavailable");
			throw ex;
		}
		catch (RuntimeException ex) {
			count(eventType, "error");
			throw ex;
		}
	}

	private WebhookResult deliver(CustomerOrderEvent event, String key) {
		OrdersApiClient.Operation operation = switch (event.getType()) {
			case CREATED -> OrdersApiClient.Operation.CREATE;
			case UPDATED -> OrdersApiClient.Operation.UPDATE;
			case CANCELLED -> OrdersApiClient.Operation.CANCEL;
			case PING -> throw new IllegalStateException("a ping is never delivered");
		};
		OrdersApiClient.Accepted accepted = this.ordersApi.send(operation,
				Objects.requireNonNull(event.getExternalRef()), key, Objects.requireNonNull(event.getOccurredAt()),
				this.mapper.toJson(event));
		String result = accepted.replayed() ? "duplicate" : switch (event.getType()) {
			case CREATED -> "created";
			case UPDATED -> "updated";
			case CANCELLED -> "cancelled";
			case PING -> "pong";
		};
		return new WebhookResult(accepted.orderId(), result);
	}

	private void count(String eventType, String outcome) {
		this.counters.computeIfAbsent(eventType + '|' + outcome, key -> Counter.builder("integration.webhook.events")
			.description("Customer order webhooks by event type and outcome")
			.tag("type", eventType)
			.tag("outcome", outcome)
			.register(this.meters)).increment();
	}

}
