package com.acme.integration.sandbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.extension.ResponseTransformerV2;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A stateful WireMock stand-in for our Orders API, for the sandbox and the integration tests. It
 * keeps orders by externalRef and results by {@code Idempotency-Key}: the first request with a key
 * does the work, every later one gets the first answer again with {@code Idempotent-Replayed: true},
 * as our API does (a 404 for an order it does not have yet is not kept). An update older than the
 * last one applied ({@code Event-Time}) changes nothing. It checks the bearer token. Tests add their own higher-priority stubs (faults,
 * scenarios) in front of the default ones; the default stubs stay the happy path behind them.
 *
 * <pre>
 * OrdersApiStandIn ordersApi = OrdersApiStandIn.start(0, "token");   // 0 = dynamic port
 * ordersApi.server().stubFor(post("/api/v1/orders").atPriority(1).willReturn(aResponse().withStatus(503)));
 * ordersApi.ordersCreated();                                         // what the API holds now
 * </pre>
 */
public final class OrdersApiStandIn implements ResponseTransformerV2 {

	/** Name of the WireMock response transformer that makes a stub stateful. */
	public static final String TRANSFORMER = "orders-api-idempotency";

	/** Priority of the default stubs; anything a test stubs with a smaller number wins. */
	public static final int DEFAULT_PRIORITY = 10;

	private static final Pattern BY_REF = Pattern.compile("/api/v1/orders/by-external-ref/([^/]+)(/cancel)?");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final String token;

	private final Map<String, StoredResponse> byKey = new HashMap<>();

	private final Map<String, String> orderIdsByRef = new HashMap<>();

	private final List<Operation> operations = new ArrayList<>();

	/** The event time of the last event applied, per externalRef. */
	private final Map<String, String> eventTimes = new HashMap<>();

	private WireMockServer server;

	private OrdersApiStandIn(String token) {
		this.token = token;
	}

	/** Starts WireMock on the port (0: any free port) with the default Orders API stubs. */
	public static OrdersApiStandIn start(int port, String token) {
		OrdersApiStandIn standIn = new OrdersApiStandIn(token);
		standIn.server = new WireMockServer(options().port(port).extensions(standIn));
		standIn.server.start();
		standIn.stubDefaults();
		return standIn;
	}

	public WireMockServer server() {
		return this.server;
	}

	public String baseUrl() {
		return "http://localhost:" + this.server.port();
	}

	/** Forgets all orders, keys, requests and test stubs; the default stubs are back. */
	public synchronized void reset() {
		this.byKey.clear();
		this.orderIdsByRef.clear();
		this.eventTimes.clear();
		this.operations.clear();
		this.server.resetAll();
		stubDefaults();
	}

	/** The state changes the API made, in order (replays and refusals are not operations). */
	public synchronized List<Operation> operations() {
		return List.copyOf(this.operations);
	}

	public synchronized long ordersCreated() {
		return this.operations.stream().filter(operation -> operation.kind().equals("create")).count();
	}

	/** Makes the API hold an order, as if created earlier, and returns its id. */
	public synchronized String seedOrder(String externalRef) {
		return this.orderIdsByRef.computeIfAbsent(externalRef, ref -> nextId());
	}

	private void stubDefaults() {
		this.server.stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(DEFAULT_PRIORITY)
			.willReturn(aResponse().withTransformers(TRANSFORMER)));
		this.server.stubFor(put(urlPathMatching("/api/v1/orders/by-external-ref/[^/]+")).atPriority(DEFAULT_PRIORITY)
			.willReturn(aResponse().withTransformers(TRANSFORMER)));
		this.server.stubFor(post(urlPathMatching("/api/v1/orders/by-external-ref/[^/]+/cancel"))
			.atPriority(DEFAULT_PRIORITY)
			.willReturn(aResponse().withTransformers(TRANSFORMER)));
	}

	@Override
	public String getName() {
		return TRANSFORMER;
	}

	@Override
	public boolean applyGlobally() {
		return false;
	}

	@Override
	public Response transform(Response response, ServeEvent serveEvent) {
		Request request = serveEvent.getRequest();
		if (!("Bearer " + this.token).equals(request.getHeader("Authorization"))) {
			return respond(response, problem(401, "unauthorized", "Unauthorized", "Missing or wrong bearer token."),
					false);
		}
		String key = request.getHeader("Idempotency-Key");
		if (key == null || key.isBlank()) {
			return respond(response, problem(400, "idempotency-key-missing", "Idempotency-Key required", null), false);
		}
		synchronized (this) {
			StoredResponse first = this.byKey.get(key);
			if (first != null) {
				return respond(response, first, true);
			}
			StoredResponse result = handle(request, key);
			// Only what the API did or refused for good is the key's answer: a 404 (the order is not there
			// yet) did nothing, and the redelivery after the order's creation must get a fresh try.
			if (result.status() < 500 && result.status() != 404) {
				this.byKey.put(key, result);
			}
			return respond(response, result, false);
		}
	}

	private StoredResponse handle(Request request, String key) {
		String path = URI.create(request.getUrl()).getPath();
		if (path.equals("/api/v1/orders")) {
			String externalRef = externalRef(request.getBodyAsString());
			if (externalRef == null) {
				return problem(422, "validation-failed", "Validation failed", "externalRef is required");
			}
			if (this.orderIdsByRef.containsKey(externalRef)) {
				return problem(422, "order-exists", "Order exists", "An order with this externalRef already exists.");
			}
			String id = nextId();
			this.orderIdsByRef.put(externalRef, id);
			String eventTime = request.getHeader("Event-Time");
			if (eventTime != null) {
				this.eventTimes.put(externalRef, eventTime);
			}
			this.operations.add(new Operation("create", externalRef, key, id));
			return json(201, Map.of("id", id, "externalRef", externalRef));
		}
		Matcher matcher = BY_REF.matcher(path);
		if (!matcher.matches()) {
			return problem(404, "not-found", "Not found", null);
		}
		String externalRef = matcher.group(1);
		String id = this.orderIdsByRef.get(externalRef);
		if (id == null) {
			return problem(404, "order-not-found", "Order not found", "No order with this externalRef.");
		}
		String kind = (matcher.group(2) != null) ? "cancel" : "update";
		// An event older than the one applied last changes nothing (deliveries arrive in any order).
		String eventTime = request.getHeader("Event-Time");
		String applied = this.eventTimes.get(externalRef);
		if (eventTime != null && applied != null
				&& OffsetDateTime.parse(eventTime).isBefore(OffsetDateTime.parse(applied))) {
			return json(200, Map.of("id", id, "externalRef", externalRef));
		}
		if (eventTime != null) {
			this.eventTimes.put(externalRef, eventTime);
		}
		this.operations.add(new Operation(kind, externalRef, key, id));
		return json(200, Map.of("id", id, "externalRef", externalRef));
	}

	private String nextId() {
		return "ord-%06d".formatted(this.orderIdsByRef.size() + 1);
	}

	private static String externalRef(String body) {
		try {
			JsonNode ref = JSON.readTree(body).get("externalRef");
			return (ref != null && ref.isString()) ? ref.stringValue() : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private static StoredResponse json(int status, Map<String, String> body) {
		return new StoredResponse(status, "application/json", JSON.writeValueAsString(body));
	}

	private static StoredResponse problem(int status, String slug, String title, String detail) {
		Map<String, Object> body = new HashMap<>();
		body.put("type", "https://orders.platform.example/problems/" + slug);
		body.put("title", title);
		body.put("status", status);
		if (detail != null) {
			body.put("detail", detail);
		}
		return new StoredResponse(status, "application/problem+json", JSON.writeValueAsString(body));
	}

	private static Response respond(Response response, StoredResponse stored, boolean replayed) {
		HttpHeaders headers = new HttpHeaders(HttpHeader.httpHeader("Content-Type", stored.contentType()));
		if (replayed) {
			headers = headers.plus(HttpHeader.httpHeader("Idempotent-Replayed", "true"));
		}
		return Response.Builder.like(response)
			.but()
			.status(stored.status())
			.headers(headers)
			.body(stored.body().getBytes(StandardCharsets.UTF_8))
			.build();
	}

	/** A state change the API made: kind create, update or cancel. */
	public record Operation(String kind, String externalRef, String idempotencyKey, String orderId) {
	}

	private record StoredResponse(int status, String contentType, String body) {
	}

	/** For callers that only need the WireMock client DSL against this server. */
	public WireMock client() {
		return new WireMock(this.server.port());
	}

}
