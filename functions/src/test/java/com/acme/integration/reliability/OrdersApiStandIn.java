package com.acme.integration.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for our Orders API that behaves like it where exactly-once depends on it: it checks
 * the bearer token, records each request's result by {@code Idempotency-Key}, answers a replayed
 * key with the first result and {@code Idempotent-Replayed: true}, and answers 409 while a request
 * with the same key is in flight. With a fault plan it draws, per request, one of the faults of
 * issue 9 from a seeded random source keyed by (seed, key, attempt), so that a run is reproducible
 * whatever the thread interleaving. Faults marked "after" happen once the order is recorded: our API
 * has it, the caller does not get the answer.
 */
final class OrdersApiStandIn {

	static final String TOKEN = "rel-orders-api-token-3c1e8f0a";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Pattern BY_REF = Pattern.compile("/api/v1/orders/by-external-ref/([^/]+)(/cancel)?");

	/** What one request gets. "Ambiguous" ones may happen before or after the order is recorded. */
	enum Outcome {

		SUCCESS(false), CONNECTION_RESET(true), EMPTY_RESPONSE(true), MALFORMED_CHUNK(true), RANDOM_BYTES(true),
		GARBAGE_2XX(false), PAST_DEADLINE(true), HTTP_500(true), HTTP_502(true), HTTP_503_RETRY_AFTER(true),
		HTTP_429_HTTP_DATE(false), HTTP_409(false), HTTP_422(false);

		final boolean ambiguous;

		Outcome(boolean ambiguous) {
			this.ambiguous = ambiguous;
		}

	}

	record Order(String id, String externalRef, String idempotencyKey) {
	}

	private record Stored(int status, String body) {
	}

	private final Behaviour behaviour = new Behaviour();

	private final WireMockServer server;

	private final Map<String, Stored> byKey = new ConcurrentHashMap<>();

	private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	private final Map<String, Order> ordersByRef = new ConcurrentHashMap<>();

	private final List<Order> orders = new CopyOnWriteArrayList<>();

	private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();

	private final AtomicLong requests = new AtomicLong();

	private final AtomicLong ids = new AtomicLong();

	private final List<String> received = new CopyOnWriteArrayList<>();

	private volatile FaultPlan plan = FaultPlan.NONE;

	private final AtomicInteger active = new AtomicInteger();

	OrdersApiStandIn() {
		this.server = new WireMockServer(WireMockConfiguration.options()
			.dynamicPort()
			.containerThreads(96)
			.disableRequestJournal()
			.extensions(this.behaviour));
		this.server.start();
		this.server.stubFor(WireMock.any(WireMock.urlPathMatching("/.*")).willReturn(WireMock.ok()));
	}

	String baseUrl() {
		return this.server.baseUrl();
	}

	int port() {
		return this.server.port();
	}

	/** Forgets everything and switches faults off. */
	synchronized void reset() {
		this.plan = FaultPlan.NONE;
		this.byKey.clear();
		this.inFlight.clear();
		this.attempts.clear();
		this.ordersByRef.clear();
		this.orders.clear();
		this.injected.clear();
		this.received.clear();
		this.requests.set(0);
	}

	void faults(FaultPlan plan) {
		this.plan = plan;
	}

	/** Waits until no request is being handled (a request "past the deadline" may still be sleeping). */
	void awaitQuiet(Duration atMost) throws InterruptedException {
		long until = System.nanoTime() + atMost.toNanos();
		while (this.active.get() > 0 && System.nanoTime() < until) {
			Thread.sleep(20);
		}
	}

	/** Every order created, in creation order (a second order for one externalRef is a duplicate). */
	List<Order> orders() {
		return List.copyOf(this.orders);
	}

	/** Request lines received, as "METHOD path key", for asserting what was (not) forwarded. */
	List<String> received() {
		return List.copyOf(this.received);
	}

	long requests() {
		return this.requests.get();
	}

	/** Faults injected so far, by outcome name (with "-after" for those after recording). */
	Map<String, Integer> injected() {
		Map<String, Integer> copy = new java.util.TreeMap<>();
		this.injected.forEach((name, count) -> copy.put(name, count.get()));
		return copy;
	}

	void stop() {
		this.server.stop();
	}

	/** Weights of the outcomes, and how long "past the deadline" sleeps. */
	record FaultPlan(long seed, Map<Outcome, Integer> weights, Duration pastDeadline) {

		static final FaultPlan NONE = new FaultPlan(0, Map.of(Outcome.SUCCESS, 1), Duration.ZERO);

		Outcome draw(SplittableRandom random) {
			int total = this.weights.values().stream().mapToInt(Integer::intValue).sum();
			int pick = random.nextInt(total);
			for (Map.Entry<Outcome, Integer> entry : new EnumMap<>(this.weights).entrySet()) {
				pick -= entry.getValue();
				if (pick < 0) {
					return entry.getKey();
				}
			}
			return Outcome.SUCCESS;
		}

	}

	private ResponseDefinition handle(Request request) {
		this.requests.incrementAndGet();
		String key = request.getHeader("Idempotency-Key");
		this.received.add(request.getMethod() + " " + request.getUrl() + " " + key);
		if (!("Bearer " + TOKEN).equals(request.getHeader("Authorization"))) {
			return problem(401, "unauthorized", "missing or wrong bearer token");
		}
		if (key == null || key.isBlank()) {
			return problem(400, "idempotency-key-required", "Idempotency-Key is required");
		}
		FaultPlan plan = this.plan;
		int attempt = this.attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
		SplittableRandom random = new SplittableRandom(plan.seed() * 0x9E3779B97F4A7C15L + key.hashCode() * 31L + attempt);
		Outcome outcome = plan.draw(random);
		boolean after = outcome.ambiguous && random.nextBoolean();
		if (outcome == Outcome.HTTP_429_HTTP_DATE) {
			count(outcome, false);
			String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(1));
			return ResponseDefinitionBuilder.responseDefinition().withStatus(429).withHeader("Retry-After", date)
				.withHeader("Content-Type", "application/problem+json")
				.withBody("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429}").build();
		}
		if (this.inFlight.putIfAbsent(key, Boolean.TRUE) != null) {
			return problem(409, "conflict", "a request with this Idempotency-Key is in flight");
		}
		try {
			Stored stored = this.byKey.get(key);
			boolean replay = stored != null;
			if (stored == null) {
				if (outcome == Outcome.HTTP_409) {
					count(outcome, false);
					return problem(409, "conflict", "a request with this Idempotency-Key is in flight");
				}
				if (outcome == Outcome.HTTP_422) {
					count(outcome, false);
					return problem(422, "order-rejected", "article A-100 is not sold to this buyer");
				}
				if (outcome.ambiguous && !after) {
					count(outcome, false);
					return fault(outcome, plan, null);
				}
				stored = process(request, key);
			}
			if (outcome != Outcome.SUCCESS && outcome != Outcome.HTTP_409 && outcome != Outcome.HTTP_422) {
				count(outcome, true);
				return fault(outcome, plan, stored);
			}
			ResponseDefinitionBuilder response = ResponseDefinitionBuilder.responseDefinition()
				.withStatus(stored.status())
				.withHeader("Content-Type", (stored.status() < 300) ? "application/json" : "application/problem+json")
				.withBody(stored.body());
			if (replay) {
				response.withHeader("Idempotent-Replayed", "true");
			}
			return response.build();
		}
		finally {
			this.inFlight.remove(key);
		}
	}

	private void count(Outcome outcome, boolean after) {
		this.injected.computeIfAbsent(outcome.name() + (after ? "-after" : ""), k -> new AtomicInteger())
			.incrementAndGet();
	}

	/** Does what our API does for the request and stores the answer under its key. */
	private Stored process(Request request, String key) {
		String path = request.getUrl();
		Stored result;
		if ("POST".equals(request.getMethod().value()) && "/api/v1/orders".equals(path)) {
			JsonNode body;
			try {
				body = JSON.readTree(request.getBodyAsString());
			}
			catch (RuntimeException ex) {
				return remember(key, new Stored(400, problemBody(400, "malformed-json", "not JSON")));
			}
			String externalRef = body.path("externalRef").asString("");
			Order order = new Order("ord_" + this.ids.incrementAndGet(), externalRef, key);
			this.orders.add(order);
			this.ordersByRef.putIfAbsent(externalRef, order);
			result = new Stored(201, "{\"id\":\"" + order.id() + "\",\"externalRef\":\"" + externalRef
					+ "\",\"status\":\"RECEIVED\"}");
		}
		else {
			Matcher m = BY_REF.matcher(path);
			if (!m.matches()) {
				result = new Stored(404, problemBody(404, "not-found", "no such resource"));
			}
			else {
				String externalRef = java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
				Order order = this.ordersByRef.get(externalRef);
				result = (order != null)
						? new Stored(200, "{\"id\":\"" + order.id() + "\",\"externalRef\":\"" + externalRef
								+ "\",\"status\":\"" + ((m.group(2) != null) ? "CANCELLED" : "RECEIVED") + "\"}")
						: new Stored(404, problemBody(404, "order-not-found", "no order with this externalRef"));
			}
		}
		return remember(key, result);
	}

	private Stored remember(String key, Stored stored) {
		this.byKey.put(key, stored);
		return stored;
	}

	private static ResponseDefinition fault(Outcome outcome, FaultPlan plan, Stored stored) {
		ResponseDefinitionBuilder builder = ResponseDefinitionBuilder.responseDefinition();
		switch (outcome) {
			case CONNECTION_RESET -> builder.withFault(Fault.CONNECTION_RESET_BY_PEER);
			case EMPTY_RESPONSE -> builder.withFault(Fault.EMPTY_RESPONSE);
			case MALFORMED_CHUNK -> builder.withFault(Fault.MALFORMED_RESPONSE_CHUNK);
			case RANDOM_BYTES -> builder.withFault(Fault.RANDOM_DATA_THEN_CLOSE);
			case GARBAGE_2XX -> builder.withStatus(201).withHeader("Content-Type", "application/json")
				.withBody(new byte[] { 0x7b, (byte) 0xff, 0x00, 0x13, (byte) 0xc3, 0x28, 0x22 });
			case PAST_DEADLINE -> {
				sleep(plan.pastDeadline());
				builder = (stored != null)
						? builder.withStatus(stored.status()).withHeader("Content-Type", "application/json")
							.withBody(stored.body())
						: builder.withStatus(504).withBody("");
			}
			case HTTP_500 -> builder.withStatus(500).withHeader("Content-Type", "text/html")
				.withBody("<html><body>java.lang.NullPointerException at com.acme.orders.internal</body></html>");
			case HTTP_502 -> builder.withStatus(502).withBody("Bad Gateway");
			case HTTP_503_RETRY_AFTER -> builder.withStatus(503).withHeader("Retry-After", "1")
				.withHeader("Content-Type", "application/problem+json")
				.withBody("{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503}");
			default -> throw new IllegalStateException(outcome.name());
		}
		return builder.build();
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static ResponseDefinition problem(int status, String slug, String detail) {
		return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
			.withHeader("Content-Type", "application/problem+json")
			.withBody(problemBody(status, slug, detail))
			.build();
	}

	private static String problemBody(int status, String slug, String detail) {
		return "{\"type\":\"https://api.acme.example/problems/" + slug + "\",\"title\":\"" + slug + "\",\"status\":"
				+ status + ",\"detail\":\"" + detail + "\",\"instance\":\"http://orders-internal.acme.local:8080/api/v1/orders\"}";
	}

	private final class Behaviour implements ResponseDefinitionTransformerV2 {

		@Override
		public ResponseDefinition transform(ServeEvent serveEvent) {
			active.incrementAndGet();
			try {
				return handle(serveEvent.getRequest());
			}
			finally {
				active.decrementAndGet();
			}
		}

		@Override
		public String getName() {
			return "orders-api-stand-in";
		}

	}

}
