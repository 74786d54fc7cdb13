import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The AOT cache's training run for one Knative Service (called by prepare-functions.sh, in the
 * image build): launches the app through run-functions.sh in train mode with the Service's
 * functions, serves it the requests production serves first, and stops it with SIGTERM, on which
 * the JVM writes the cache.
 * <p>
 * A cache recorded up to the context refresh holds the classes of start-up only; the first
 * webhook after a cold start would still load, link and initialise everything it touches
 * (signature check, mapping, the HTTP client, problem details, JSON logging). Those classes come
 * into the cache here, from real requests to the Service's functions: signed webhooks of every type
 * and the usual bad ones (orderWebhook), mapOrder, CloudEvents in both modes (orderStatusSync), and
 * the probes Knative sends first.
 * <p>
 * Everything it talks to is local: stand-ins for the Orders API and the ERP (with its token
 * endpoint) on loopback ports, and AOT-TRAINING-ONLY placeholder configuration, set for the app's
 * process only and never baked into the image. The placeholders are those of the Service's
 * functions only, as the Service's own configuration is: a setting of another function can switch
 * on beans (an OAuth2 client registration, say) that the Service must not have. Every answer is
 * checked, so a training run that no longer exercises what it should (a changed contract, say)
 * fails the image build instead of recording a cache of error paths.
 * <p>
 * Usage (JDK: java AotTraining.java ..., JRE: java -cp DIR AotTraining ..., compiled in the image's
 * build stage):
 * <ul>
 * <li>{@code AotTraining RUN_SCRIPT APP_DIR DEFINITION}: the training run; exit code 0 when the app
 * answered every request as it must and stopped, 1 otherwise;</li>
 * <li>{@code AotTraining --env DEFINITION}: prints the placeholder configuration for those
 * functions, one {@code NAME=value} per line (prepare-functions.sh gives it to Spring AOT, whose
 * build-time evaluation of the conditions must see what the Service will have).</li>
 * </ul>
 * Standard library only.
 */
public final class AotTraining {

	/** base64 of "aot-training-only-not-a-secret". */
	private static final String SECRET = "whsec_YW90LXRyYWluaW5nLW9ubHktbm90LWEtc2VjcmV0";

	private static final String CUSTOMER = "aot-training";

	private static final int ROUNDS = 20;

	private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

	private static final AtomicLong IDS = new AtomicLong();

	/** The functions this training knows requests for. */
	private static final Set<String> KNOWN = Set.of("orderWebhook", "mapOrder", "orderStatusSync");

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final URI app;

	private final List<String> failures = new ArrayList<>();

	private final Set<String> functions;

	private AotTraining(URI app, Set<String> functions) {
		this.app = app;
		this.functions = functions;
	}

	public static void main(String[] args) throws Exception {
		if (args.length == 2 && args[0].equals("--env")) {
			placeholders(args[1], functions(args[1]), 8080, "http://127.0.0.1:9")
				.forEach((name, value) -> System.out.println(name + "=" + value));
			return;
		}
		if (args.length != 3) {
			System.err.println("usage: AotTraining RUN_SCRIPT APP_DIR DEFINITION | AotTraining --env DEFINITION");
			System.exit(2);
		}
		Set<String> functions = functions(args[2]);
		if (functions.isEmpty() || !KNOWN.containsAll(functions)) {
			System.err.println("AotTraining: the definition '" + args[2] + "' must name functions of " + KNOWN);
			System.exit(2);
		}
		HttpServer upstream = standIn();
		int port = freePort();
		String upstreamUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();

		ProcessBuilder launch = new ProcessBuilder(args[0]).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.INHERIT);
		Map<String, String> env = launch.environment();
		env.putAll(placeholders(args[2], functions, port, upstreamUrl));
		env.put("FUNCTIONS_APP_DIR", args[1]);
		env.put("FUNCTIONS_AOT_MODE", "train");
		Process app = launch.start();

		AotTraining training = new AotTraining(URI.create("http://127.0.0.1:" + port), functions);
		int exit;
		try {
			training.awaitReady(app);
			for (int round = 0; round < ROUNDS; round++) {
				training.round();
			}
		}
		catch (Exception ex) {
			training.failures.add("training stopped: " + ex);
		}
		finally {
			// SIGTERM: the app shuts down gracefully and the JVM writes the cache on exit.
			app.destroy();
			if (!app.waitFor(2, TimeUnit.MINUTES)) {
				app.destroyForcibly();
				training.failures.add("the app did not stop within 2 minutes of SIGTERM");
			}
			exit = app.exitValue();
			upstream.stop(0);
		}
		if (!training.failures.isEmpty()) {
			training.failures.stream().distinct().limit(10).forEach(f -> System.err.println("AotTraining: " + f));
			System.exit(1);
		}
		// 143: ended by the SIGTERM we sent (128 + 15), as a JVM stopped that way reports.
		if (exit != 0 && exit != 143) {
			System.err.println("AotTraining: the app exited with " + exit);
			System.exit(1);
		}
		System.out.println("AotTraining: " + ROUNDS + " rounds of requests to " + String.join(", ", functions) + " served");
	}

	/** The function names of a spring.cloud.function.definition, as the app parses it. */
	private static Set<String> functions(String definition) {
		Set<String> functions = new LinkedHashSet<>();
		for (String name : definition.split(";")) {
			if (!name.isBlank()) {
				functions.add(name.strip());
			}
		}
		return functions;
	}

	/**
	 * The app's configuration for the given functions: placeholders, pointed at the stand-ins. Only
	 * the settings of those functions, as in their Knative Service.
	 */
	private static Map<String, String> placeholders(String definition, Set<String> functions, int port,
			String upstreamUrl) {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("SPRING_CLOUD_FUNCTION_DEFINITION", definition);
		env.put("SERVER_PORT", Integer.toString(port));
		env.put("INTEGRATION_SECRETS_DIR", "/nonexistent-aot-training/");
		env.put("INTEGRATION_CUSTOMER_KEY", CUSTOMER);
		if (functions.contains("orderWebhook")) {
			env.put("INTEGRATION_WEBHOOK_SECRETS", SECRET);
			env.put("INTEGRATION_ORDERSAPI_BASEURL", upstreamUrl);
			env.put("INTEGRATION_ORDERSAPI_TOKEN", "aot-training-only");
		}
		if (functions.contains("orderStatusSync")) {
			env.put("INTEGRATION_ERP_BASEURL", upstreamUrl + "/erp");
			env.put("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTID", "aot-training-only");
			env.put("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTSECRET", "aot-training-only");
			env.put("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_AUTHORIZATIONGRANTTYPE", "client_credentials");
		}
		// In the shared ConfigMap, so every Service has it (a provider alone registers no client).
		env.put("SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI", upstreamUrl + "/erp/oauth/token");
		return env;
	}

	private void awaitReady(Process app) throws Exception {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!app.isAlive()) {
				throw new IllegalStateException("the app exited with " + app.exitValue() + " before it was ready");
			}
			try {
				if (get("/actuator/health/readiness") == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// not listening yet
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("the app was not ready within " + START_TIMEOUT);
	}

	/** One of each request production sees first, each checked for the status it must get. */
	private void round() throws Exception {
		expect("liveness probe", 200, get("/actuator/health/liveness"));
		expect("readiness probe", 200, get("/actuator/health/readiness"));
		long n = IDS.incrementAndGet();
		if (this.functions.contains("orderWebhook")) {
			expect("order.created", 200, webhook(order("order.created", "SO-T" + n), true));
			expect("order.updated", 200, webhook(order("order.updated", "SO-T" + n), true));
			expect("order.cancelled", 200, webhook("""
					{"type":"order.cancelled","timestamp":"2026-11-25T08:30:00Z","data":{"orderNumber":"SO-T%d"}}"""
				.formatted(n), true));
			expect("wrong signature", 401, webhook(order("order.created", "SO-T" + n), false));
			expect("schema violation", 422, webhook("""
					{"type":"order.created","timestamp":"2026-11-24T10:20:00Z","data":{"orderNumber":"","items":[]}}""",
					true));
			expect("malformed JSON", 400, webhook("{\"type\":", true));
		}
		if (this.functions.contains("mapOrder")) {
			expect("mapOrder", 200, post("/mapOrder", Map.of("Content-Type", "application/json"),
					order("order.created", "SO-M" + n)));
		}
		if (this.functions.contains("orderStatusSync")) {
			String event = statusEvent(n);
			expect("CloudEvent, structured mode", 202,
					post("/orderStatusSync", Map.of("Content-Type", "application/cloudevents+json"), event));
			Map<String, String> binary = new LinkedHashMap<>();
			binary.put("Content-Type", "application/json");
			binary.put("ce-specversion", "1.0");
			binary.put("ce-id", "aot-training-b-" + n);
			binary.put("ce-source", "https://orders.acme.example/api/v1/orders");
			binary.put("ce-type", "com.acme.orders.status-changed.v1");
			expect("CloudEvent, binary mode", 202, post("/orderStatusSync", binary, statusData(n)));
		}
	}

	private void expect(String what, int expected, int actual) {
		if (actual != expected) {
			this.failures.add(what + ": expected HTTP " + expected + ", got " + actual);
		}
	}

	private static String order(String type, String orderNumber) {
		return """
				{"type":"%s","timestamp":"2026-11-24T14:02:31+01:00","data":{"orderNumber":"%s",\
				"customer":{"id":"C-4711","name":"Müller GmbH","email":"einkauf@mueller.example","vatId":"DE123456789"},\
				"shipTo":{"street":"Lagerweg 12","postalCode":"10117","city":"Berlin","country":"DE"},\
				"items":[{"articleNo":"A-100","description":"Widget","quantity":5,"unitPrice":"19.99","currency":"EUR"}],\
				"requestedDeliveryDate":"2026-12-03"}}"""
			.formatted(type, orderNumber);
	}

	private static String statusData(long n) {
		return """
				{"orderId":"ord_%d","externalRef":"%s:SO-T%d","status":"SHIPPED","trackingNumber":"00340434161234567890",\
				"carrier":"DHL","changedAt":"2026-11-24T12:00:00Z"}"""
			.formatted(n, CUSTOMER, n);
	}

	private static String statusEvent(long n) {
		return """
				{"specversion":"1.0","id":"aot-training-s-%d","source":"https://orders.acme.example/api/v1/orders",\
				"type":"com.acme.orders.status-changed.v1","subject":"ord_%d","time":"2026-11-24T12:00:01Z",\
				"datacontenttype":"application/json","data":%s}"""
			.formatted(n, n, statusData(n));
	}

	/** A Standard Webhooks request, signed with the training secret (or with a wrong signature). */
	private int webhook(String body, boolean validSignature) throws Exception {
		String id = "msg_aot_training_" + IDS.incrementAndGet();
		String timestamp = Long.toString(Instant.now().getEpochSecond());
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
		mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
		byte[] signature = mac.doFinal(bytes);
		if (!validSignature) {
			signature[0] ^= 1;
		}
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("Content-Type", "application/json");
		headers.put("webhook-id", id);
		headers.put("webhook-timestamp", timestamp);
		headers.put("webhook-signature", "v1," + Base64.getEncoder().encodeToString(signature));
		return post("/orderWebhook", headers, body);
	}

	private int get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(this.app.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
		return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	private int post(String path, Map<String, String> headers, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(this.app.resolve(path))
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
		headers.forEach(request::header);
		return this.http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	/**
	 * The Orders API and the ERP as a healthy upstream answers: orders are created (201) or changed
	 * (200) with an id; the ERP's token endpoint issues a bearer token; its status endpoint takes
	 * updates (204).
	 */
	private static HttpServer standIn() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
		AtomicLong orders = new AtomicLong();
		server.createContext("/", exchange -> {
			try (exchange; InputStream in = exchange.getRequestBody()) {
				in.readAllBytes();
				String path = exchange.getRequestURI().getPath();
				String method = exchange.getRequestMethod();
				if ("POST".equals(method) && path.equals("/erp/oauth/token")) {
					respond(exchange, 200, """
							{"access_token":"aot-training-only","token_type":"Bearer","expires_in":3600}""");
				}
				else if ("PUT".equals(method) && path.matches("/erp/api/orders/[^/]+/status")) {
					exchange.sendResponseHeaders(204, -1);
				}
				else if ("POST".equals(method) && path.equals("/api/v1/orders")) {
					respond(exchange, 201, "{\"id\":\"ord-" + orders.incrementAndGet() + "\",\"status\":\"ACCEPTED\"}");
				}
				else if (path.startsWith("/api/v1/orders/by-external-ref/")) {
					respond(exchange, 200, "{\"id\":\"ord-" + orders.get() + "\",\"status\":\"ACCEPTED\"}");
				}
				else {
					exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
					byte[] body = "{\"title\":\"Not Found\",\"status\":404}".getBytes(StandardCharsets.UTF_8);
					exchange.sendResponseHeaders(404, body.length);
					exchange.getResponseBody().write(body);
				}
			}
		});
		server.start();
		return server;
	}

	private static void respond(HttpExchange exchange, int status, String json) throws IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, body.length);
		exchange.getResponseBody().write(body);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
