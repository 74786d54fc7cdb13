package com.acme.integration.testkit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
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
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;

/**
 * The customer's ERP under {@code /erp}, as docs/01-assumptions.md states it: an OAuth2 token endpoint
 * ({@code POST /erp/oauth/token}, client credentials, the client authenticated by HTTP Basic or in the form)
 * and {@code PUT /erp/api/orders/{orderNumber}/status}, which takes only a bearer token it issued (401
 * otherwise), records the update and answers 204. Orders whose number starts with {@code GONE-} do not exist
 * (404), those starting with {@code REJECT-} are refused (422); both permanent. With a fault plan, each status
 * request draws an {@link Outcome} from a source seeded by (seed, order number, attempt); an ambiguous one
 * happens before or after the update was applied. Tokens it issued stay valid across a reset: the client under
 * test caches them.
 */
public final class ErpStandIn extends StandIn {

	/** Where the ERP lives on its server: the function's base URL is {@code <server>/erp}. */
	public static final String PATH = "/erp";

	/** Every access token it issues starts with this (a value that must never show up in a log or answer). */
	public static final String TOKEN_PREFIX = "erp-stand-in-access-";

	private static final Pattern STATUS = Pattern.compile(PATH + "/api/orders/([^/]+)/status");

	/** What one status request gets. A malformed chunk comes after "200 OK": the ERP has applied the update. */
	public enum Outcome {

		SUCCESS(false), CONNECTION_RESET(true), EMPTY_RESPONSE(true), MALFORMED_CHUNK(false), RANDOM_BYTES(true),
		PAST_DEADLINE(true), HTTP_500(true), HTTP_502(true), HTTP_503(true), HTTP_429(false), HTTP_408(false),
		TOKEN_REVOKED(false);

		final boolean ambiguous;

		Outcome(boolean ambiguous) {
			this.ambiguous = ambiguous;
		}

	}

	private final String basicCredentials;

	private final List<String> formCredentials;

	private final Set<String> validTokens = ConcurrentHashMap.newKeySet();

	private final AtomicLong tokenCounter = new AtomicLong();

	private final AtomicInteger tokensIssued = new AtomicInteger();

	private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

	private final Map<String, List<String>> applied = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();

	private volatile FaultPlan<Outcome> plan = FaultPlan.always(Outcome.SUCCESS);

	public ErpStandIn(String clientId, String clientSecret) {
		super(PATH + "/");
		this.basicCredentials = "Basic " + Base64.getEncoder()
			.encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
		this.formCredentials = List.of("client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8),
				"client_secret=" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8));
	}

	@Override
	public String getName() {
		return "erp-stand-in";
	}

	/** The ERP's base URL, as the function is configured with it. */
	@Override
	public String baseUrl() {
		return super.baseUrl() + PATH;
	}

	public String tokenUri() {
		return baseUrl() + "/oauth/token";
	}

	public void faults(long seed, Map<Outcome, Integer> weights, Duration pastDeadline) {
		this.plan = new FaultPlan<>(seed, weights, pastDeadline);
	}

	public void noFaults() {
		this.plan = FaultPlan.always(Outcome.SUCCESS);
	}

	/** Updates applied per order number: the request bodies, in order. */
	public Map<String, List<String>> applied() {
		Map<String, List<String>> copy = new TreeMap<>();
		this.applied.forEach((order, bodies) -> copy.put(order, List.copyOf(bodies)));
		return copy;
	}

	/** Tokens issued since the last reset. */
	public int tokensIssued() {
		return this.tokensIssued.get();
	}

	public Map<String, Integer> injected() {
		Map<String, Integer> copy = new TreeMap<>();
		this.injected.forEach((name, count) -> copy.put(name, count.get()));
		return copy;
	}

	@Override
	protected void stubDefaults(WireMockServer server) {
		server.stubFor(WireMock.any(WireMock.urlPathMatching(PATH + "/.*"))
			.atPriority(DEFAULT_PRIORITY)
			.willReturn(WireMock.aResponse().withTransformers(getName())));
	}

	@Override
	protected void forget() {
		this.plan = FaultPlan.always(Outcome.SUCCESS);
		this.attempts.clear();
		this.applied.clear();
		this.injected.clear();
		this.tokensIssued.set(0);
	}

	@Override
	protected ResponseDefinition handle(Request request) {
		String path = path(request);
		String method = request.getMethod().value();
		if (path.equals(PATH + "/oauth/token") && method.equals("POST")) {
			return token(request);
		}
		Matcher status = STATUS.matcher(path);
		if (!status.matches() || !method.equals("PUT")) {
			return json(404, "{\"error\":\"not found\"}");
		}
		String authorization = request.getHeader("Authorization");
		String token = (authorization != null && authorization.startsWith("Bearer ")) ? authorization.substring(7) : "";
		if (!this.validTokens.contains(token)) {
			return unauthorized();
		}
		String orderNumber = status.group(1);
		FaultPlan<Outcome> plan = this.plan;
		int attempt = this.attempts.computeIfAbsent(orderNumber, k -> new AtomicInteger()).incrementAndGet();
		SplittableRandom random = plan.random(orderNumber, attempt);
		Outcome outcome = plan.draw(random);
		boolean after = outcome.ambiguous && random.nextBoolean();
		switch (outcome) {
			case TOKEN_REVOKED -> {
				count(outcome, false);
				this.validTokens.remove(token);
				return unauthorized();
			}
			case HTTP_429 -> {
				count(outcome, false);
				return ResponseDefinitionBuilder.responseDefinition().withStatus(429).withHeader("Retry-After", "1").build();
			}
			case HTTP_408 -> {
				count(outcome, false);
				return ResponseDefinitionBuilder.responseDefinition().withStatus(408).build();
			}
			default -> {
				if (outcome.ambiguous && !after) {
					count(outcome, false);
					return fault(outcome, plan, false);
				}
			}
		}
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
		String body = request.getBodyAsString();
		boolean basic = this.basicCredentials.equals(request.getHeader("Authorization"));
		boolean form = this.formCredentials.stream().allMatch(body::contains);
		if (!body.contains("grant_type=client_credentials") || !(basic || form)) {
			return json(401, "{\"error\":\"invalid_client\"}");
		}
		String token = TOKEN_PREFIX + this.tokenCounter.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
		this.validTokens.add(token);
		this.tokensIssued.incrementAndGet();
		return json(200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
	}

	private void count(Outcome outcome, boolean after) {
		this.injected.computeIfAbsent(outcome.name() + (after ? "-after" : ""), k -> new AtomicInteger())
			.incrementAndGet();
	}

	private static ResponseDefinition fault(Outcome outcome, FaultPlan<Outcome> plan, boolean applied) {
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

	private static ResponseDefinition unauthorized() {
		return ResponseDefinitionBuilder.responseDefinition()
			.withStatus(401)
			.withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_token\"}")
			.build();
	}

	private static ResponseDefinition json(int status, String body) {
		return ResponseDefinitionBuilder.responseDefinition()
			.withStatus(status)
			.withHeader("Content-Type", "application/json")
			.withBody(body)
			.build();
	}

}
