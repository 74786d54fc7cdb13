package com.acme.integration.reliability;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
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

/**
 * A stand-in for the customer's ERP: an OAuth2 token endpoint (client credentials, HTTP Basic) and
 * the status endpoint, which takes a bearer token it issued, records every update it applied per
 * order number and answers 204. Orders whose number starts with {@code GONE-} do not exist (404,
 * permanent); those starting with {@code REJECT-} are refused (422, permanent). With a fault plan,
 * each status request draws a fault from a seeded source keyed by (seed, order number, attempt);
 * some happen after the update was applied (the ERP has it, the caller does not know). A
 * malformed chunk always follows an applied update: WireMock sends it after "200 OK".
 */
final class ErpStandIn {

	static final String CLIENT_ID = "rel-erp-client";

	static final String CLIENT_SECRET = "rel-erp-client-secret-9b7d44e1";

	static final String TOKEN_PREFIX = "rel-erp-access-";

	private static final Pattern STATUS = Pattern.compile("/erp/api/orders/([^/]+)/status");

	enum Outcome {

		SUCCESS(false), CONNECTION_RESET(true), EMPTY_RESPONSE(true), MALFORMED_CHUNK(false), RANDOM_BYTES(true),
		PAST_DEADLINE(true), HTTP_500(true), HTTP_502(true), HTTP_503(true), HTTP_429(false), HTTP_408(false),
		TOKEN_REVOKED(false);

		final boolean ambiguous;

		Outcome(boolean ambiguous) {
			this.ambiguous = ambiguous;
		}

	}

	record FaultPlan(long seed, Map<Outcome, Integer> weights, Duration pastDeadline) {

		static final FaultPlan NONE = new FaultPlan(0, Map.of(Outcome.SUCCESS, 1), Duration.ZERO);

		Outcome draw(SplittableRandom random) {
			int total = this.weights.values().stream().mapToInt(Integer::intValue).sum();
			int pick = random.nextInt(total);
			for (Map.Entry<Outcome, Integer> entry : new java.util.EnumMap<>(this.weights).entrySet()) {
				pick -= entry.getValue();
				if (pick < 0) {
					return entry.getKey();
				}
			}
			return Outcome.SUCCESS;
		}

	}

	private final WireMockServer server;

	private final Set<String> validTokens = ConcurrentHashMap.newKeySet();

	private final AtomicLong tokenCounter = new AtomicLong();

	private final AtomicInteger tokensIssued = new AtomicInteger();

	private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	private final Map<String, List<String>> applied = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();

	private final List<String> received = new CopyOnWriteArrayList<>();

	private volatile FaultPlan plan = FaultPlan.NONE;

	private final AtomicInteger active = new AtomicInteger();

	ErpStandIn() {
		this.server = new WireMockServer(WireMockConfiguration.options()
			.dynamicPort()
			.containerThreads(96)
			.disableRequestJournal()
			.extensions(new Behaviour()));
		this.server.start();
		this.server.stubFor(WireMock.any(WireMock.urlPathMatching("/.*")).willReturn(WireMock.ok()));
	}

	String baseUrl() {
		return this.server.baseUrl() + "/erp";
	}

	String tokenUri() {
		return this.server.baseUrl() + "/erp/oauth/token";
	}

	synchronized void reset() {
		this.plan = FaultPlan.NONE;
		this.attempts.clear();
		this.applied.clear();
		this.injected.clear();
		this.received.clear();
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

	/** Updates applied per order number (request bodies, in order). */
	Map<String, List<String>> applied() {
		Map<String, List<String>> copy = new TreeMap<>();
		this.applied.forEach((order, bodies) -> copy.put(order, List.copyOf(bodies)));
		return copy;
	}

	List<String> received() {
		return List.copyOf(this.received);
	}

	int tokensIssued() {
		return this.tokensIssued.get();
	}

	Set<String> issuedTokens() {
		return Set.copyOf(this.validTokens);
	}

	Map<String, Integer> injected() {
		Map<String, Integer> copy = new TreeMap<>();
		this.injected.forEach((name, count) -> copy.put(name, count.get()));
		return copy;
	}

	private ResponseDefinition handle(Request request) {
		String path = request.getUrl();
		this.received.add(request.getMethod() + " " + path);
		if (path.startsWith("/erp/oauth/token")) {
			return token(request);
		}
		Matcher m = STATUS.matcher(path);
		if (!m.matches() || !"PUT".equals(request.getMethod().value())) {
			return json(404, "{\"error\":\"not found\"}");
		}
		String authorization = request.getHeader("Authorization");
		String token = (authorization != null && authorization.startsWith("Bearer ")) ? authorization.substring(7) : "";
		if (!this.validTokens.contains(token)) {
			return json(401, "{\"error\":\"invalid_token\"}");
		}
		String orderNumber = m.group(1);
		FaultPlan plan = this.plan;
		int attempt = this.attempts.computeIfAbsent(orderNumber, k -> new AtomicInteger()).incrementAndGet();
		SplittableRandom random = new SplittableRandom(
				plan.seed() * 0x9E3779B97F4A7C15L + orderNumber.hashCode() * 31L + attempt);
		Outcome outcome = plan.draw(random);
		boolean after = outcome.ambiguous && random.nextBoolean();
		if (outcome == Outcome.TOKEN_REVOKED) {
			count(outcome, false);
			this.validTokens.remove(token);
			return json(401, "{\"error\":\"invalid_token\"}");
		}
		if (outcome == Outcome.HTTP_429) {
			count(outcome, false);
			return ResponseDefinitionBuilder.responseDefinition().withStatus(429).withHeader("Retry-After", "1").build();
		}
		if (outcome == Outcome.HTTP_408) {
			count(outcome, false);
			return ResponseDefinitionBuilder.responseDefinition().withStatus(408).build();
		}
		if (outcome.ambiguous && !after) {
			count(outcome, false);
			return fault(outcome, plan, false);
		}
		// A malformed chunk comes after the status line "200 OK": the ERP has decided, so it has applied
		// the update; the function rightly takes the status line as the answer of a PUT.
		if (orderNumber.startsWith("GONE-")) {
			return json(404, "{\"error\":\"no such order\",\"trace\":\"erp-internal.customer.local\"}");
		}
		if (orderNumber.startsWith("REJECT-")) {
			return json(422, "{\"error\":\"status transition not allowed\"}");
		}
		this.applied.computeIfAbsent(orderNumber, k -> new CopyOnWriteArrayList<>()).add(request.getBodyAsString());
		if (outcome != Outcome.SUCCESS) {
			count(outcome, true);
			return fault(outcome, plan, true);
		}
		return ResponseDefinitionBuilder.responseDefinition().withStatus(204).build();
	}

	private ResponseDefinition token(Request request) {
		String expected = "Basic " + java.util.Base64.getEncoder()
			.encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(java.nio.charset.StandardCharsets.UTF_8));
		String body = request.getBodyAsString();
		boolean basic = expected.equals(request.getHeader("Authorization"));
		boolean form = body.contains("client_id=" + CLIENT_ID) && body.contains("client_secret=" + CLIENT_SECRET);
		if (!body.contains("grant_type=client_credentials") || !(basic || form)) {
			return json(401, "{\"error\":\"invalid_client\"}");
		}
		String token = TOKEN_PREFIX + this.tokenCounter.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
		this.validTokens.add(token);
		this.tokensIssued.incrementAndGet();
		return json(200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":300}");
	}

	private void count(Outcome outcome, boolean after) {
		this.injected.computeIfAbsent(outcome.name() + (after ? "-after" : ""), k -> new AtomicInteger())
			.incrementAndGet();
	}

	private static ResponseDefinition fault(Outcome outcome, FaultPlan plan, boolean applied) {
		ResponseDefinitionBuilder builder = ResponseDefinitionBuilder.responseDefinition();
		switch (outcome) {
			case CONNECTION_RESET -> builder.withFault(Fault.CONNECTION_RESET_BY_PEER);
			case EMPTY_RESPONSE -> builder.withFault(Fault.EMPTY_RESPONSE);
			case MALFORMED_CHUNK -> builder.withFault(Fault.MALFORMED_RESPONSE_CHUNK);
			case RANDOM_BYTES -> builder.withFault(Fault.RANDOM_DATA_THEN_CLOSE);
			case PAST_DEADLINE -> {
				try {
					Thread.sleep(plan.pastDeadline());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				builder.withStatus(applied ? 204 : 504);
			}
			case HTTP_500 -> builder.withStatus(500).withBody("internal error at erp-internal.customer.local");
			case HTTP_502 -> builder.withStatus(502);
			case HTTP_503 -> builder.withStatus(503).withHeader("Retry-After", "1");
			default -> throw new IllegalStateException(outcome.name());
		}
		return builder.build();
	}

	private static ResponseDefinition json(int status, String body) {
		return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
			.withHeader("Content-Type", "application/json").withBody(body).build();
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
			return "erp-stand-in";
		}

	}

}
