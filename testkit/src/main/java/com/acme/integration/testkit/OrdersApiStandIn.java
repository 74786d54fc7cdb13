package com.acme.integration.testkit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Our Orders API as docs/01-assumptions.md states its contract, for the tests, the sandbox and the load run.
 * <ul>
 * <li>{@code POST /api/v1/orders} creates an order (201 {@code {id, externalRef}}; 422 without an externalRef
 * or when one with that externalRef exists); {@code PUT /api/v1/orders/by-external-ref/{ref}} and
 * {@code POST .../{ref}/cancel} change it (200; 404 for an externalRef it does not hold);
 * {@code POST /api/v1/integration/dead-letters} keeps a dead-lettered CloudEvent (202).</li>
 * <li>Every call needs the bearer token (401); an order call needs an {@code Idempotency-Key} (400), as
 * draft-ietf-httpapi-idempotency-key-header describes: the first request with a key does the work and its
 * answer (2xx or 4xx) is kept for the retention ({@link #DEFAULT_RETENTION} unless set); a later request with
 * the key gets that answer with {@code Idempotent-Replayed: true}; 409 while the first one is in flight; 422
 * when the key comes with another request (fingerprint: method, path and body). A 5xx, a broken answer or a
 * 404 (the order is not there yet) is never kept as the key's answer.</li>
 * <li>An update or cancellation whose {@code Event-Time} is older than that of the last event applied to the
 * order changes nothing (200).</li>
 * <li>Problems are {@code application/problem+json} carrying an internal {@code instance} URL, as an API
 * behind a gateway leaks one: what the function must not pass on.</li>
 * </ul>
 * With a fault plan, each request draws one {@link Outcome} from a random source seeded by (seed, key,
 * attempt); an ambiguous fault happens before or after the API committed (the API has the order, the caller
 * does not know). {@link #hold()} stops the next committing request until the test releases it. For scripts,
 * {@code GET /__orders} lists "idempotencyKey orderId" per order created.
 */
public final class OrdersApiStandIn extends StandIn {

	/** How long a key's answer is kept: the customer's retry window, 3 days (docs/01-assumptions.md). */
	public static final Duration DEFAULT_RETENTION = Duration.ofDays(3);

	/** Problem types: {@value}slug. */
	public static final String PROBLEM_BASE = "https://orders.acme.example/problems/";

	private static final String INSTANCE_BASE = "http://orders-internal.acme.local:8080";

	private static final String DEAD_LETTERS = "/api/v1/integration/dead-letters";

	private static final Pattern BY_REF = Pattern.compile("/api/v1/orders/by-external-ref/([^/]+)(/cancel)?");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** What one request gets. Ambiguous ones may happen before or after the API commits. */
	public enum Outcome {

		SUCCESS(false), CONNECTION_RESET(true), EMPTY_RESPONSE(true), MALFORMED_CHUNK(true), RANDOM_BYTES(true),
		GARBAGE_2XX(false), PAST_DEADLINE(true), HTTP_500(true), HTTP_502(true), HTTP_503_RETRY_AFTER(true),
		HTTP_429_HTTP_DATE(false), HTTP_409(false), HTTP_422(false);

		final boolean ambiguous;

		Outcome(boolean ambiguous) {
			this.ambiguous = ambiguous;
		}

	}

	/** An order the API holds. */
	public record Order(String id, String externalRef, String idempotencyKey) {
	}

	/** A state change the API made: kind create, update or cancel (replays and refusals are none). */
	public record Operation(String kind, String externalRef, String idempotencyKey, String orderId) {
	}

	private record Answer(int status, String contentType, byte[] body) {

		/**
		 * What the API did or refused for good is the key's answer; a 5xx is not, and neither is a 404 (the
		 * order is not there yet, nothing was done): the redelivery after the order's creation gets a fresh try.
		 */
		boolean kept() {
			return this.status < 500 && this.status != 404;
		}

	}

	/** A key's first request: in flight until its answer is kept. */
	private static final class Key {

		final String fingerprint;

		volatile Answer answer;

		volatile Instant at;

		Key(String fingerprint) {
			this.fingerprint = fingerprint;
		}

	}

	private enum Route {

		CREATE, UPDATE, CANCEL, DEAD_LETTER, NOT_FOUND, METHOD_NOT_ALLOWED

	}

	private final String token;

	private final Map<String, Key> keys = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	private final Map<String, Order> ordersByRef = new HashMap<>();

	/** The {@code Event-Time} of the last event applied, per externalRef. */
	private final Map<String, OffsetDateTime> eventTimes = new HashMap<>();

	private final List<Order> orders = new CopyOnWriteArrayList<>();

	private final List<Operation> operations = new CopyOnWriteArrayList<>();

	private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();

	/** The keys the fault plan gave a business rejection (422) as their answer. */
	private final Set<String> rejectedKeys = ConcurrentHashMap.newKeySet();

	private final List<String> deadLetters = new CopyOnWriteArrayList<>();

	private final Queue<Hold> holds = new ConcurrentLinkedQueue<>();

	private final List<Hold> taken = new CopyOnWriteArrayList<>();

	private final AtomicLong ids = new AtomicLong();

	private volatile FaultPlan<Outcome> plan = FaultPlan.always(Outcome.SUCCESS);

	private volatile Duration retention = DEFAULT_RETENTION;

	private volatile Clock clock = Clock.systemUTC();

	public OrdersApiStandIn(String token) {
		super("/api/");
		this.token = token;
	}

	@Override
	public String getName() {
		return "orders-api-stand-in";
	}

	/** How long a key's answer is kept; a key older than that is new again. */
	public void retainKeysFor(Duration retention) {
		this.retention = retention;
	}

	/** The clock the retention is measured with (a test moves it instead of waiting days). */
	public void clock(Clock clock) {
		this.clock = clock;
	}

	/** From now on, each request draws its outcome from these weights; see {@link Outcome}. */
	public void faults(long seed, Map<Outcome, Integer> weights, Duration pastDeadline) {
		this.plan = new FaultPlan<>(seed, weights, pastDeadline);
	}

	public void noFaults() {
		this.plan = FaultPlan.always(Outcome.SUCCESS);
	}

	/**
	 * Holds the next request that is about to commit (a first request with its key) until the returned
	 * hold is released. Several holds take several requests, in order.
	 */
	public Hold hold() {
		Hold hold = new Hold();
		this.holds.add(hold);
		return hold;
	}

	/** Every order created, in creation order. */
	public List<Order> orders() {
		return List.copyOf(this.orders);
	}

	public List<Operation> operations() {
		return List.copyOf(this.operations);
	}

	public long ordersCreated() {
		return this.operations.stream().filter(operation -> operation.kind().equals("create")).count();
	}

	/** Makes the API hold an order, as if created earlier, and returns its id. */
	public synchronized String seedOrder(String externalRef) {
		return this.ordersByRef.computeIfAbsent(externalRef, ref -> new Order(nextId(), ref, null)).id();
	}

	/** The bodies of the events dead-lettered to it ({@code POST /api/v1/integration/dead-letters}), in order. */
	public List<String> deadLetters() {
		return List.copyOf(this.deadLetters);
	}

	/** The idempotency keys the fault plan refused with a business rejection (422), which is kept as their answer. */
	public Set<String> rejectedKeys() {
		return Set.copyOf(this.rejectedKeys);
	}

	/** Faults injected so far by outcome name, "-after" for those after the commit. */
	public Map<String, Integer> injected() {
		Map<String, Integer> copy = new TreeMap<>();
		this.injected.forEach((name, count) -> copy.put(name, count.get()));
		return copy;
	}

	@Override
	protected void stubDefaults(WireMockServer server) {
		server.stubFor(WireMock.any(WireMock.urlPathMatching("/api/.*"))
			.atPriority(DEFAULT_PRIORITY)
			.willReturn(WireMock.aResponse().withTransformers(getName())));
		server.stubFor(WireMock.get(WireMock.urlPathEqualTo("/__orders"))
			.atPriority(DEFAULT_PRIORITY)
			.willReturn(WireMock.aResponse().withTransformers(getName())));
	}

	@Override
	protected synchronized void forget() {
		this.plan = FaultPlan.always(Outcome.SUCCESS);
		this.keys.clear();
		this.attempts.clear();
		this.ordersByRef.clear();
		this.eventTimes.clear();
		this.orders.clear();
		this.operations.clear();
		this.injected.clear();
		this.rejectedKeys.clear();
		this.deadLetters.clear();
		this.ids.set(0);
		this.holds.forEach(Hold::release);
		this.holds.clear();
		this.taken.forEach(Hold::release);
		this.taken.clear();
	}

	@Override
	protected ResponseDefinition handle(Request request) {
		String path = path(request);
		String method = request.getMethod().value();
		if (path.equals("/__orders")) {
			return listing();
		}
		if (!("Bearer " + this.token).equals(request.getHeader("Authorization"))) {
			return problem(401, "unauthorized", "Unauthorized", "Missing or wrong bearer token.", path);
		}
		Matcher byRef = BY_REF.matcher(path);
		Route route = path.equals("/api/v1/orders") ? (method.equals("POST") ? Route.CREATE : Route.METHOD_NOT_ALLOWED)
				: path.equals(DEAD_LETTERS) ? (method.equals("POST") ? Route.DEAD_LETTER : Route.METHOD_NOT_ALLOWED)
				: !byRef.matches() ? Route.NOT_FOUND
				: (byRef.group(2) == null) ? (method.equals("PUT") ? Route.UPDATE : Route.METHOD_NOT_ALLOWED)
				: method.equals("POST") ? Route.CANCEL : Route.METHOD_NOT_ALLOWED;
		if (route == Route.NOT_FOUND) {
			return problem(404, "not-found", "Not Found", null, path);
		}
		if (route == Route.METHOD_NOT_ALLOWED) {
			return problem(405, "method-not-allowed", "Method Not Allowed", null, path);
		}
		if (route == Route.DEAD_LETTER) {
			// Knative's dead-letter delivery: the CloudEvent kept for replay, no key (Knative sends none).
			this.deadLetters.add(request.getBodyAsString());
			return ResponseDefinitionBuilder.responseDefinition().withStatus(202).build();
		}
		String key = request.getHeader("Idempotency-Key");
		if (key == null || key.isBlank()) {
			return problem(400, "idempotency-key-missing", "Idempotency-Key is missing",
					"This operation requires an Idempotency-Key header.", path);
		}
		FaultPlan<Outcome> plan = this.plan;
		int attempt = this.attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
		SplittableRandom random = plan.random(key, attempt);
		Outcome outcome = plan.draw(random);
		boolean after = outcome.ambiguous && random.nextBoolean();
		if (outcome == Outcome.HTTP_429_HTTP_DATE) {
			count(outcome, false);
			String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(1));
			return respond(problemAnswer(429, "too-many-requests", "Too Many Requests", null, path), false)
				.withHeader("Retry-After", date)
				.build();
		}

		Key mine = new Key(fingerprint(method, path, request.getBody()));
		Key first;
		synchronized (this.keys) {
			first = this.keys.get(key);
			if (first != null && first.answer != null && first.at.plus(this.retention).isBefore(this.clock.instant())) {
				this.keys.remove(key);
				first = null;
			}
			if (first == null) {
				this.keys.put(key, mine);
			}
		}
		if (first != null) {
			if (first.answer == null) {
				return problem(409, "request-in-flight", "A request is outstanding for this Idempotency-Key",
						"A request with the same Idempotency-Key is being processed.", path);
			}
			if (!first.fingerprint.equals(mine.fingerprint)) {
				return problem(422, "idempotency-key-reused", "Idempotency-Key is already used",
						"The Idempotency-Key was used with a different request.", path);
			}
			// A replay can still be cut off on its way back.
			if (outcome != Outcome.SUCCESS && outcome != Outcome.HTTP_409 && outcome != Outcome.HTTP_422) {
				count(outcome, true);
				return fault(outcome, plan, first.answer, true);
			}
			return respond(first.answer, true).build();
		}

		try {
			if (outcome == Outcome.HTTP_409) {
				count(outcome, false);
				return problem(409, "request-in-flight", "A request is outstanding for this Idempotency-Key", null,
						path);
			}
			if (outcome.ambiguous && !after) {
				count(outcome, false);
				return fault(outcome, plan, null, false);
			}
			Hold hold = this.holds.poll();
			if (hold != null) {
				this.taken.add(hold);
				hold.holdHere(key);
			}
			Answer answer;
			if (outcome == Outcome.HTTP_422) {
				count(outcome, false);
				this.rejectedKeys.add(key);
				answer = problemAnswer(422, "order-rejected", "Order rejected",
						"Article A-100 is not sold to this buyer.", path);
			}
			else {
				answer = commit(route, byRef, request, key, path);
			}
			if (answer.kept()) {
				mine.at = this.clock.instant();
				mine.answer = answer;
			}
			if (outcome != Outcome.SUCCESS && outcome != Outcome.HTTP_422) {
				count(outcome, true);
				return fault(outcome, plan, answer, false);
			}
			return respond(answer, false).build();
		}
		finally {
			if (mine.answer == null) {
				this.keys.remove(key, mine);
			}
		}
	}

	/**
	 * What the API does for the request: the one place its state changes. An event older ({@code Event-Time})
	 * than the last one applied to the order changes nothing: deliveries arrive in any order.
	 */
	private synchronized Answer commit(Route route, Matcher byRef, Request request, String key, String path) {
		OffsetDateTime eventTime;
		try {
			String header = request.getHeader("Event-Time");
			eventTime = (header != null) ? OffsetDateTime.parse(header) : null;
		}
		catch (DateTimeParseException ex) {
			return problemAnswer(400, "event-time-invalid", "Event-Time is not an RFC 3339 date-time", null, path);
		}
		if (route == Route.CREATE) {
			String externalRef;
			try {
				JsonNode ref = JSON.readTree(request.getBody()).get("externalRef");
				externalRef = (ref != null && ref.isString() && !ref.stringValue().isEmpty()) ? ref.stringValue() : null;
			}
			catch (JacksonException ex) {
				return problemAnswer(400, "malformed-json", "Malformed JSON", "The body is not JSON.", path);
			}
			if (externalRef == null) {
				return problemAnswer(422, "validation-failed", "Validation failed", "externalRef is required.", path);
			}
			if (this.ordersByRef.containsKey(externalRef)) {
				return problemAnswer(422, "order-exists", "Order exists", "An order with this externalRef exists.", path);
			}
			Order order = new Order(nextId(), externalRef, key);
			this.ordersByRef.put(externalRef, order);
			if (eventTime != null) {
				this.eventTimes.put(externalRef, eventTime);
			}
			this.orders.add(order);
			this.operations.add(new Operation("create", externalRef, key, order.id()));
			return json(201, order);
		}
		String externalRef = URLDecoder.decode(byRef.group(1), StandardCharsets.UTF_8);
		Order order = this.ordersByRef.get(externalRef);
		if (order == null) {
			return problemAnswer(404, "order-not-found", "Order not found", "No order with this externalRef.", path);
		}
		OffsetDateTime applied = this.eventTimes.get(externalRef);
		if (eventTime != null && applied != null && eventTime.isBefore(applied)) {
			return json(200, order);
		}
		if (eventTime != null) {
			this.eventTimes.put(externalRef, eventTime);
		}
		this.operations.add(new Operation((route == Route.CANCEL) ? "cancel" : "update", externalRef, key, order.id()));
		return json(200, order);
	}

	private String nextId() {
		return "ord-%06d".formatted(this.ids.incrementAndGet());
	}

	private ResponseDefinition listing() {
		StringBuilder out = new StringBuilder();
		for (Order order : this.orders) {
			out.append(order.idempotencyKey()).append(' ').append(order.id()).append('\n');
		}
		return ResponseDefinitionBuilder.responseDefinition()
			.withStatus(200)
			.withHeader("Content-Type", "text/plain")
			.withBody(out.toString())
			.build();
	}

	private void count(Outcome outcome, boolean after) {
		this.injected.computeIfAbsent(outcome.name() + (after ? "-after" : ""), k -> new AtomicInteger())
			.incrementAndGet();
	}

	private static String fingerprint(String method, String path, byte[] body) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest.digest(body));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The fault instead of the answer; "past the deadline" sends the answer (if any) late. */
	private static ResponseDefinition fault(Outcome outcome, FaultPlan<Outcome> plan, Answer answer, boolean replayed) {
		ResponseDefinitionBuilder builder = ResponseDefinitionBuilder.responseDefinition();
		switch (outcome) {
			case CONNECTION_RESET -> builder.withFault(Fault.CONNECTION_RESET_BY_PEER);
			case EMPTY_RESPONSE -> builder.withFault(Fault.EMPTY_RESPONSE);
			case MALFORMED_CHUNK -> builder.withFault(Fault.MALFORMED_RESPONSE_CHUNK);
			case RANDOM_BYTES -> builder.withFault(Fault.RANDOM_DATA_THEN_CLOSE);
			case GARBAGE_2XX -> builder.withStatus(201)
				.withHeader("Content-Type", "application/json")
				.withBody(new byte[] { 0x7b, (byte) 0xff, 0x00, 0x13, (byte) 0xc3, 0x28, 0x22 });
			case PAST_DEADLINE -> {
				sleep(plan.pastDeadline());
				return (answer != null) ? respond(answer, replayed).build() : builder.withStatus(504).withBody("").build();
			}
			case HTTP_500 -> builder.withStatus(500)
				.withHeader("Content-Type", "text/html")
				.withBody("<html><body>java.lang.NullPointerException at com.acme.orders.internal</body></html>");
			case HTTP_502 -> builder.withStatus(502).withBody("Bad Gateway");
			case HTTP_503_RETRY_AFTER -> builder.withStatus(503)
				.withHeader("Retry-After", "1")
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

	private static Answer json(int status, Order order) {
		Map<String, String> body = new LinkedHashMap<>();
		body.put("id", order.id());
		body.put("externalRef", order.externalRef());
		return new Answer(status, "application/json", JSON.writeValueAsBytes(body));
	}

	private static Answer problemAnswer(int status, String slug, String title, String detail, String path) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", PROBLEM_BASE + slug);
		body.put("title", title);
		body.put("status", status);
		if (detail != null) {
			body.put("detail", detail);
		}
		body.put("instance", INSTANCE_BASE + path);
		return new Answer(status, "application/problem+json", JSON.writeValueAsBytes(body));
	}

	private static ResponseDefinition problem(int status, String slug, String title, String detail, String path) {
		return respond(problemAnswer(status, slug, title, detail, path), false).build();
	}

	private static ResponseDefinitionBuilder respond(Answer answer, boolean replayed) {
		ResponseDefinitionBuilder builder = ResponseDefinitionBuilder.responseDefinition()
			.withStatus(answer.status())
			.withHeader("Content-Type", answer.contentType())
			.withBody(Arrays.copyOf(answer.body(), answer.body().length));
		if (replayed) {
			builder.withHeader("Idempotent-Replayed", "true");
		}
		return builder;
	}

}
