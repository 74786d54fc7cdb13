package com.acme.integration.reliability;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;

import com.acme.integration.sandbox.HttpProbe;
import com.acme.integration.sandbox.HttpProbe.Header;
import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.ErpStandIn;
import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.Webhooks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault matrix. Senders deliver signed webhooks (and Knative delivers CloudEvents)
 * concurrently through the functions while the stand-ins answer, at random from a fixed seed, with
 * every fault of the issue, some of them after the order was recorded. A sender redelivers whatever
 * was not acknowledged, with the same id, up to a bound. At the end every webhook that meets the
 * contract must be acknowledged with exactly one order at the Orders API, unless the Orders API
 * stand-in was told to reject it for a business reason; a final 4xx for any other is a loss. A
 * webhook that breaks the contract is refused with no order. Every acknowledged event must be at
 * the ERP. The seed is {@code -Dreliability.seed}
 * (default below) so that a failing run can be replayed.
 */
class FaultMatrixIntegrationTests extends IntegrationTestSupport {

	static final long SEED = Long.getLong("reliability.seed", 20261125L);

	static final int WEBHOOKS = Integer.getInteger("reliability.webhooks", 1000);

	static final int EVENTS = Integer.getInteger("reliability.events", 500);

	/** Deliveries per webhook before the sender gives up (Standard Webhooks senders try for days). */
	static final int MAX_DELIVERIES = 15;

	/** delivery.retry of knative/base/trigger-order-status-changed.yaml: one delivery plus this many retries. */
	static final int KNATIVE_RETRIES = 6;

	static final int SENDERS = 16;

	/** Longer than the whole deadline of the Orders API client and than the ERP read timeout. */
	static final Duration PAST_DEADLINE = Duration.ofMillis(3200);

	/** What the documentation promises the sender: these are final, everything else is retried. */
	static final Set<Integer> PERMANENT_WEBHOOK_ANSWERS = Set.of(400, 401, 413, 415, 422);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void everyValidWebhookEndsAcknowledgedWithExactlyOneOrderUnlessOurApiRejectedIt(CapturedOutput output) throws Exception {
		Map<OrdersApiStandIn.Outcome, Integer> weights = new EnumMap<>(OrdersApiStandIn.Outcome.class);
		weights.put(OrdersApiStandIn.Outcome.SUCCESS, 60);
		for (OrdersApiStandIn.Outcome outcome : OrdersApiStandIn.Outcome.values()) {
			weights.putIfAbsent(outcome, 4);
		}
		weights.put(OrdersApiStandIn.Outcome.PAST_DEADLINE, 2);
		weights.put(OrdersApiStandIn.Outcome.HTTP_422, 2);
		ORDERS_API.faults(SEED, weights, PAST_DEADLINE);

		byte[] valid = CorpusRequest.resource("samples/webhooks/order-created.json");
		byte[] invalid = CorpusRequest.resource("samples/webhooks/invalid-order.json");
		List<Webhook> webhooks = new ArrayList<>();
		for (int i = 0; i < WEBHOOKS; i++) {
			String orderNumber = "FM-" + SEED + "-" + i;
			// One webhook in 40 breaks the contract: refused by the function itself, nothing forwarded.
			byte[] template = (i % 40 == 17) ? invalid : valid;
			byte[] body = new String(template, StandardCharsets.UTF_8)
				.replaceAll("(\"orderNumber\"\\s*:\\s*\")[^\"]*(\")", "$1" + orderNumber + "$2")
				.getBytes(StandardCharsets.UTF_8);
			// One in 20 is delivered twice at once from the start, as at-least-once senders do.
			webhooks.add(new Webhook("msg_fm_" + SEED + "_" + i, "mueller:" + orderNumber, body, i % 20 == 3,
					i % 40 == 17));
		}

		Webhooks signer = new Webhooks(NEW_SECRET);
		HttpProbe http = http();
		Instant start = Instant.now();
		List<Delivery> results = deliverAll(webhooks, webhook -> {
			String timestamp = Long.toString(Instant.now().getEpochSecond());
			List<Header> headers = List.of(new Header("Content-Type", "application/json"),
					new Header("webhook-id", webhook.id()), new Header("webhook-timestamp", timestamp),
					new Header("webhook-signature", signer.sign(webhook.id(), timestamp, webhook.body())));
			return http.post("/orderWebhook", headers, webhook.body());
		}, status -> PERMANENT_WEBHOOK_ANSWERS.contains(status) ? Verdict.FINAL_REFUSAL
				: (status == 200) ? Verdict.ACKNOWLEDGED : Verdict.RETRY, MAX_DELIVERIES);
		Duration took = Duration.between(start, Instant.now());
		ORDERS_API.awaitQuiet(Duration.ofSeconds(5));
		ORDERS_API.noFaults();

		Map<String, List<OrdersApiStandIn.Order>> ordersByRef = ORDERS_API.orders().stream()
			.collect(Collectors.groupingBy(OrdersApiStandIn.Order::externalRef));
		int acknowledged = 0;
		int refused = 0;
		int contractRefusals = 0;
		int businessRefusals = 0;
		int lost = 0;
		int duplicates = 0;
		int phantom = 0;
		int replayedAcks = 0;
		int withoutOrderId = 0;
		Map<Integer, Integer> refusals = new TreeMap<>();
		List<String> unresolved = new ArrayList<>();
		List<String> problems = new ArrayList<>();
		for (Delivery delivery : results) {
			Webhook webhook = (Webhook) delivery.item();
			List<OrdersApiStandIn.Order> orders = ordersByRef.getOrDefault(webhook.externalRef(), List.of());
			if (orders.size() > 1) {
				duplicates++;
				problems.add(webhook.id() + " has " + orders.size() + " orders");
			}
			switch (delivery.verdict()) {
				case ACKNOWLEDGED -> {
					acknowledged++;
					JsonNode body = JSON.readTree(delivery.lastBody());
					if ("duplicate".equals(body.path("result").asString())) {
						replayedAcks++;
					}
					if (orders.isEmpty()) {
						lost++;
						problems.add(webhook.id() + " acknowledged without an order");
					}
					else if (!body.hasNonNull("orderId") || body.path("orderId").asString().isEmpty()) {
						// Our API's 2xx body was unreadable (GARBAGE_2XX-after): the order is there, the id not known.
						withoutOrderId++;
					}
					else if (!orders.getFirst().id().equals(body.path("orderId").asString())) {
						problems.add(webhook.id() + " acknowledged with " + body.path("orderId").asString()
								+ " but the order is " + orders.getFirst().id());
					}
				}
				case FINAL_REFUSAL -> {
					refused++;
					refusals.merge(delivery.lastStatus(), 1, Integer::sum);
					String problemType = JSON.readTree(delivery.lastBody()).path("type").asString();
					if (webhook.breaksContract()) {
						contractRefusals++;
						if (!problemType.endsWith("/validation-failed")) {
							problems.add(webhook.id() + " breaks the contract but was refused as " + problemType);
						}
					}
					else if (ORDERS_API.rejectedKeys().contains(webhook.id())) {
						businessRefusals++;
						if (!problemType.endsWith("/upstream-rejected")) {
							problems.add(webhook.id() + " was rejected by the Orders API but answered " + problemType);
						}
					}
					else {
						lost++;
						problems.add(webhook.id() + " meets the contract and was refused for good with "
								+ delivery.lastStatus() + " (" + problemType + "): lost");
					}
					if (!orders.isEmpty()) {
						phantom++;
						problems.add(webhook.id() + " refused with " + delivery.lastStatus() + " but has an order");
					}
				}
				case RETRY -> unresolved.add(webhook.id() + " still unacknowledged after " + delivery.deliveries()
						+ " deliveries, last answer " + delivery.lastStatus());
			}
		}
		int deliveries = results.stream().mapToInt(Delivery::deliveries).sum();
		Map<Integer, Integer> answers = new TreeMap<>();
		results.forEach(delivery -> delivery.statuses().forEach(status -> answers.merge(status, 1, Integer::sum)));
		System.out.printf(
				"reliability fault matrix (orderWebhook, seed %d): sent %d webhooks in %d deliveries (%.1f s); "
						+ "acknowledged %d (%d of them as duplicate, %d without order id), refused %d %s (%d breaking the contract, %d rejected by the Orders API), unresolved %d; orders at the stand-in %d; "
						+ "duplicates %d; lost %d; refused-but-recorded %d; answers %s; Orders API requests %d; faults injected %s%n",
				SEED, webhooks.size(), deliveries, took.toMillis() / 1000.0, acknowledged, replayedAcks, withoutOrderId, refused,
				refusals, contractRefusals, businessRefusals, unresolved.size(), ORDERS_API.orders().size(), duplicates, lost, phantom, answers,
				ORDERS_API.requests().size(), ORDERS_API.injected());

		assertThat(unresolved).as("every webhook ends acknowledged or refused").isEmpty();
		assertThat(problems).as("exactly-once violations").isEmpty();
		assertThat(lost).isZero();
		assertThat(duplicates).isZero();
		assertThat(phantom).isZero();
		assertThat(acknowledged + refused).isEqualTo(WEBHOOKS);
		assertThat(contractRefusals).as("every contract breaker refused, each for that")
			.isEqualTo(webhooks.stream().filter(Webhook::breaksContract).count());
		Set<String> ids = webhooks.stream().map(Webhook::id).collect(Collectors.toSet());
		assertThat(businessRefusals).as("a refusal for each business rejection the stand-in gave, and no other")
			.isEqualTo(ORDERS_API.rejectedKeys().stream().filter(ids::contains).count())
			.isPositive();
		assertThat(ORDERS_API.orders()).as("every order belongs to an acknowledged webhook").hasSize(acknowledged);
		assertThat(answers.keySet()).as("no answer the documentation does not promise")
			.allMatch(status -> status == 200 || status == 409 || status == 503 || status == 429
					|| PERMANENT_WEBHOOK_ANSWERS.contains(status));
		assertThat(ORDERS_API.injected().keySet()).as("every fault kind was injected, also after recording")
			.contains("CONNECTION_RESET", "CONNECTION_RESET-after", "EMPTY_RESPONSE-after", "MALFORMED_CHUNK-after",
					"RANDOM_BYTES-after", "GARBAGE_2XX-after", "PAST_DEADLINE", "PAST_DEADLINE-after", "HTTP_500-after",
					"HTTP_502", "HTTP_503_RETRY_AFTER", "HTTP_429_HTTP_DATE", "HTTP_409", "HTTP_422");
		assertNoSecretInLogs(output);
	}

	@Test
	void everyStatusEventEndsAtTheErpOrInTheDeadLetterSinkForAPermanentReason(CapturedOutput output) throws Exception {
		Map<ErpStandIn.Outcome, Integer> weights = new EnumMap<>(ErpStandIn.Outcome.class);
		weights.put(ErpStandIn.Outcome.SUCCESS, 60);
		for (ErpStandIn.Outcome outcome : ErpStandIn.Outcome.values()) {
			weights.putIfAbsent(outcome, 4);
		}
		weights.put(ErpStandIn.Outcome.PAST_DEADLINE, 2);
		ERP.faults(SEED, weights, PAST_DEADLINE);

		List<Event> events = new ArrayList<>();
		for (int i = 0; i < EVENTS; i++) {
			// Permanent by construction: an order the ERP does not know (404), a refused transition (422), an
			// unknown status (our 422). Everything else must reach the ERP.
			String prefix = switch (i % 25) {
				case 5 -> "GONE-";
				case 11 -> "REJECT-";
				default -> "FS-";
			};
			String status = (i % 25 == 19) ? "TELEPORTED" : "SHIPPED";
			String orderNumber = prefix + SEED + "-" + i;
			String data = "{\"orderId\":\"ord_" + i + "\",\"externalRef\":\"mueller:" + orderNumber + "\",\"status\":\""
					+ status + "\",\"trackingNumber\":\"0034043416" + i + "\",\"carrier\":\"DHL\","
					+ "\"changedAt\":\"2026-11-24T12:00:00Z\"}";
			events.add(new Event("evt-" + SEED + "-" + i, orderNumber, data.getBytes(StandardCharsets.UTF_8),
					!prefix.equals("FS-") || !status.equals("SHIPPED")));
		}
		HttpProbe http = http();
		Instant start = Instant.now();
		// Knative Eventing's delivery contract: retry network errors, 5xx, 404, 408, 409 and 429.
		List<Delivery> results = deliverAll(events, event -> http.post("/orderStatusSync",
				List.of(new Header("Content-Type", "application/json"), new Header("ce-id", event.id()),
						new Header("ce-specversion", "1.0"), new Header("ce-type", CorpusRequest.EVENT_TYPE),
						new Header("ce-source", "/orders")),
				event.data()), status -> (status >= 200 && status < 300) ? Verdict.ACKNOWLEDGED
						: (status == -1 || status >= 500 || status == 404 || status == 408 || status == 409
								|| status == 429) ? Verdict.RETRY : Verdict.FINAL_REFUSAL,
				1 + KNATIVE_RETRIES);
		Duration took = Duration.between(start, Instant.now());
		ERP.awaitQuiet(Duration.ofSeconds(5));
		ERP.noFaults();

		Map<String, List<String>> applied = ERP.applied();
		int acknowledged = 0;
		int deadLettered = 0;
		int exhausted = 0;
		int lost = 0;
		int repeated = 0;
		List<String> problems = new ArrayList<>();
		for (Delivery delivery : results) {
			Event event = (Event) delivery.item();
			List<String> updates = applied.getOrDefault(event.orderNumber(), List.of());
			if (updates.size() > 1) {
				repeated++;
				if (Set.copyOf(updates).size() > 1) {
					problems.add(event.id() + " applied with different bodies " + updates);
				}
			}
			switch (delivery.verdict()) {
				case ACKNOWLEDGED -> {
					acknowledged++;
					if (event.permanent()) {
						problems.add(event.id() + " acknowledged although it can never be delivered");
					}
					if (updates.isEmpty()) {
						lost++;
						problems.add(event.id() + " acknowledged but not at the ERP");
					}
				}
				case FINAL_REFUSAL -> {
					deadLettered++;
					if (!event.permanent()) {
						problems.add(event.id() + " dead-lettered with " + delivery.lastStatus()
								+ " although the ERP would take it");
					}
					if (delivery.lastStatus() != 422) {
						problems.add(event.id() + " refused with " + delivery.lastStatus() + " instead of 422");
					}
				}
				// Knative sends an event whose retries are used up to the dead-letter sink too, which our
				// platform keeps for replay: not lost, but counted apart.
				case RETRY -> exhausted++;
			}
		}
		int deliveries = results.stream().mapToInt(Delivery::deliveries).sum();
		Map<Integer, Integer> answers = new TreeMap<>();
		results.forEach(delivery -> delivery.statuses().forEach(status -> answers.merge(status, 1, Integer::sum)));
		System.out.printf(
				"reliability fault matrix (orderStatusSync, seed %d): sent %d events in %d deliveries (%.1f s); "
						+ "acknowledged %d, dead-lettered %d as permanent and %d after %d retries, lost %d, "
						+ "applied more than once %d (same update); "
						+ "answers %s; tokens issued %d; faults injected %s%n",
				SEED, events.size(), deliveries, took.toMillis() / 1000.0, acknowledged, deadLettered, exhausted,
				KNATIVE_RETRIES, lost, repeated,
				answers, ERP.tokensIssued(), ERP.injected());

		assertThat(problems).isEmpty();
		assertThat(lost).isZero();
		assertThat(acknowledged + deadLettered + exhausted).isEqualTo(EVENTS);
		assertThat(exhausted).as("events left to the dead-letter sink by retries used up").isLessThan(EVENTS / 50);
		assertThat(ERP.injected().keySet()).contains("CONNECTION_RESET", "CONNECTION_RESET-after", "HTTP_503",
				"HTTP_503-after", "HTTP_429", "HTTP_408", "TOKEN_REVOKED", "PAST_DEADLINE", "PAST_DEADLINE-after");
		assertNoSecretInLogs(output);
	}

	private static void assertNoSecretInLogs(CapturedOutput output) {
		String logs = output.getAll();
		for (String secret : secrets()) {
			assertThat(logs).as("log lines leak a secret").doesNotContain(secret);
		}
	}

	enum Verdict {

		ACKNOWLEDGED, FINAL_REFUSAL, RETRY

	}

	record Webhook(String id, String externalRef, byte[] body, boolean deliveredTwiceAtOnce, boolean breaksContract) {
	}

	record Event(String id, String orderNumber, byte[] data, boolean permanent) {
	}

	/** How one item ended: its verdict, the answers it got (-1 for a network error), the last body. */
	record Delivery(Object item, Verdict verdict, List<Integer> statuses, byte[] lastBody) {

		int deliveries() {
			return this.statuses.size();
		}

		int lastStatus() {
			return this.statuses.getLast();
		}

	}

	/**
	 * Delivers every item with {@link #SENDERS} concurrent senders, each redelivering its item until
	 * the verdict is final or the bound is reached, backing off exponentially (scaled down from
	 * minutes to 100 ms .. 1.6 s; Retry-After is not waited for: the order of events matters here,
	 * not the sender's patience).
	 */
	private static <T> List<Delivery> deliverAll(List<T> items, Function<T, HttpProbe.Response> send,
			Function<Integer, Verdict> verdictOf, int maxDeliveries) throws Exception {
		try (ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
				ExecutorService doubles = Executors.newVirtualThreadPerTaskExecutor()) {
			List<Future<Delivery>> futures = new ArrayList<>();
			for (T item : items) {
				futures.add(senders.submit(() -> {
					List<Integer> statuses = new ArrayList<>();
					byte[] lastBody = new byte[0];
					Verdict verdict = Verdict.RETRY;
					for (int attempt = 0; attempt < maxDeliveries && verdict == Verdict.RETRY; attempt++) {
						Future<HttpProbe.Response> second = null;
						if (attempt == 0 && item instanceof Webhook webhook && webhook.deliveredTwiceAtOnce()) {
							second = doubles.submit(() -> sendQuietly(send, item));
						}
						HttpProbe.Response response = sendQuietly(send, item);
						if (second != null) {
							HttpProbe.Response other = second.get();
							statuses.add(other.status());
							// The sender takes whichever delivery was acknowledged.
							if (other.status() == 200 && response.status() != 200) {
								response = other;
							}
						}
						statuses.add(response.status());
						lastBody = response.body();
						verdict = verdictOf.apply(response.status());
						if (verdict == Verdict.RETRY) {
							// Senders and Knative back off exponentially; scaled down to 100 ms, 200 ms, ... 1.6 s.
							Thread.sleep(100L << Math.min(attempt, 4));
						}
					}
					return new Delivery(item, verdict, statuses, lastBody);
				}));
			}
			List<Delivery> results = new ArrayList<>();
			for (Future<Delivery> future : futures) {
				results.add(future.get());
			}
			return results;
		}
	}

	private static <T> HttpProbe.Response sendQuietly(Function<T, HttpProbe.Response> send, T item) {
		try {
			return send.apply(item);
		}
		catch (UncheckedIOException ex) {
			return new HttpProbe.Response(-1, Map.of(), new byte[0]);
		}
	}

}
