package com.acme.integration.testkit.training;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import com.acme.integration.testkit.ErpStandIn;
import com.acme.integration.testkit.FastStandIn;
import com.acme.integration.testkit.Webhooks;

/**
 * The AOT cache's training run for one Knative Service (called by scripts/image/prepare-functions.sh, in the
 * image build): launches the app through run-functions.sh in train mode with the Service's functions, serves
 * it the requests production serves first, and stops it with SIGTERM, on which the JVM writes the cache.
 * <p>
 * A cache recorded up to the context refresh holds the classes of start-up only; the first webhook after a
 * cold start would still load, link and initialise everything it touches (signature check, mapping, the HTTP
 * client, problem details, logging). Those classes come into the cache here, from real requests to the
 * Service's functions ({@link Requests}): the rollout's smoke checks, signed webhooks of every type and the
 * usual bad ones, mapOrder, CloudEvents in both modes, and the probes Knative sends first.
 * <p>
 * Everything it talks to is local: the testkit's {@link FastStandIn} for the Orders API and the ERP, and
 * AOT-TRAINING-ONLY placeholder configuration, set for the app's process only and never baked into the
 * image. The placeholders are those of the Service's functions only, as the Service's own configuration is:
 * a setting of another function can switch on beans (an OAuth2 client registration, say) that the Service
 * must not have. Every answer is checked, so a training run that stops exercising what it should (a changed
 * contract, say) fails the image build instead of recording a cache of error paths.
 */
@Command(name = "aot-training", mixinStandardHelpOptions = true,
		description = "Train a Knative Service's AOT cache on requests (RUN_SCRIPT APP_DIR DEFINITION), "
				+ "or print its placeholder configuration (--env DEFINITION).")
public final class AotTraining implements Callable<Integer> {

	/** AOT-training-only secrets: "aot-training-only-not-a-secret", "aot-training-only-smoke-check". */
	static final String SECRET = Webhooks.secretOf("aot-training-only-not-a-secret");

	static final String SMOKE_SECRET = Webhooks.secretOf("aot-training-only-smoke-check");

	private static final String CUSTOMER = "aot-training";

	private static final int ROUNDS = 20;

	private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

	@Spec
	CommandSpec spec;

	@Option(names = "--env", description = "print the placeholder configuration for DEFINITION, NAME=value per line")
	boolean env;

	@Parameters(arity = "1..3", paramLabel = "ARGS", description = "RUN_SCRIPT APP_DIR DEFINITION, or DEFINITION with --env")
	List<String> args;

	@Override
	public Integer call() throws Exception {
		if (this.env) {
			if (this.args.size() != 1) {
				throw new IllegalArgumentException("--env takes one DEFINITION");
			}
			placeholders(this.args.getFirst(), 8080, "http://127.0.0.1:9")
				.forEach((name, value) -> this.spec.commandLine().getOut().println(name + "=" + value));
			return 0;
		}
		if (this.args.size() != 3) {
			throw new IllegalArgumentException("usage: aot-training RUN_SCRIPT APP_DIR DEFINITION");
		}
		String definition = this.args.get(2);
		Set<String> functions = Requests.functions(definition);
		try (FastStandIn upstream = FastStandIn.start(0)) {
			int port = freePort();
			ProcessBuilder launch = new ProcessBuilder(this.args.get(0)).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.INHERIT);
			launch.environment().putAll(placeholders(definition, port, upstream.baseUrl()));
			launch.environment().put("FUNCTIONS_APP_DIR", this.args.get(1));
			launch.environment().put("FUNCTIONS_AOT_MODE", "train");
			Process app = launch.start();
			Requests requests = new Requests(URI.create("http://127.0.0.1:" + port), functions, new Webhooks(SECRET),
					new Webhooks(SMOKE_SECRET));
			List<String> failures = new ArrayList<>();
			try {
				awaitReady(app, requests);
				for (int round = 0; round < ROUNDS; round++) {
					failures.addAll(requests.round());
				}
			}
			catch (Exception ex) {
				failures.add("training stopped: " + ex);
			}
			finally {
				// SIGTERM: the app shuts down gracefully and the JVM writes the cache on exit.
				app.destroy();
				if (!app.waitFor(2, TimeUnit.MINUTES)) {
					app.destroyForcibly();
					failures.add("the app did not stop within 2 minutes of SIGTERM");
				}
			}
			if (!failures.isEmpty()) {
				failures.stream().distinct().limit(10).forEach(f -> this.spec.commandLine().getErr().println("AotTraining: " + f));
				return 1;
			}
			// 143: ended by the SIGTERM sent (128 + 15), as a JVM stopped that way reports.
			if (app.exitValue() != 0 && app.exitValue() != 143) {
				this.spec.commandLine().getErr().println("AotTraining: the app exited with " + app.exitValue());
				return 1;
			}
			this.spec.commandLine().getOut().println("AotTraining: " + ROUNDS + " rounds of requests to "
					+ String.join(", ", functions) + " served");
			return 0;
		}
	}

	/**
	 * The app's configuration for the functions of the definition: placeholders, pointed at the stand-in. Only
	 * the settings of those functions, as in their Knative Service.
	 */
	static Map<String, String> placeholders(String definition, int port, String upstreamUrl) {
		Set<String> functions = Requests.functions(definition);
		Map<String, String> env = new LinkedHashMap<>();
		env.put("SPRING_CLOUD_FUNCTION_DEFINITION", definition);
		env.put("SERVER_PORT", Integer.toString(port));
		env.put("INTEGRATION_SECRETS_DIR", "/nonexistent-aot-training/");
		env.put("INTEGRATION_CUSTOMER_KEY", CUSTOMER);
		if (functions.contains("orderWebhook")) {
			env.put("INTEGRATION_WEBHOOK_SECRETS", SECRET);
			env.put("INTEGRATION_WEBHOOK_SMOKESECRETS", SMOKE_SECRET);
			env.put("INTEGRATION_ORDERSAPI_BASEURL", upstreamUrl);
			env.put("INTEGRATION_ORDERSAPI_TOKEN", "aot-training-only");
		}
		if (functions.contains("orderStatusSync")) {
			env.put("INTEGRATION_ERP_BASEURL", upstreamUrl + ErpStandIn.PATH);
			env.put("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTID", "aot-training-only");
			env.put("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTSECRET", "aot-training-only");
			env.put("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_AUTHORIZATIONGRANTTYPE", "client_credentials");
		}
		// In the shared ConfigMap, so every Service has it (a provider alone registers no client).
		env.put("SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI", upstreamUrl + ErpStandIn.PATH + "/oauth/token");
		return env;
	}

	private static void awaitReady(Process app, Requests requests) throws Exception {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!app.isAlive()) {
				throw new IllegalStateException("the app exited with " + app.exitValue() + " before it was ready");
			}
			if (requests.ready()) {
				return;
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("the app was not ready within " + START_TIMEOUT);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/** One round of the requests production serves first, each checked for the status it must get. */
	public static final class Requests {

		/** The functions the training knows requests for. */
		static final Set<String> KNOWN = Set.of("orderWebhook", "mapOrder", "orderStatusSync");

		private static final AtomicLong IDS = new AtomicLong();

		private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

		private final URI app;

		private final Set<String> functions;

		private final Webhooks signer;

		private final Webhooks smokeSigner;

		private final Webhooks wrongSigner = new Webhooks(Webhooks.secretOf("aot-training-wrong-secret"));

		/**
		 * @param app the app's base URL
		 * @param functions the functions it serves
		 * @param signer signs with a secret the app has
		 * @param smokeSigner signs with the app's smoke-check secret
		 */
		public Requests(URI app, Set<String> functions, Webhooks signer, Webhooks smokeSigner) {
			if (functions.isEmpty() || !KNOWN.containsAll(functions)) {
				throw new IllegalArgumentException("the definition must name functions of " + KNOWN + ", not " + functions);
			}
			this.app = app;
			this.functions = Set.copyOf(functions);
			this.signer = signer;
			this.smokeSigner = smokeSigner;
		}

		/** The function names of a spring.cloud.function.definition, as the app parses it. */
		public static Set<String> functions(String definition) {
			Set<String> functions = new LinkedHashSet<>();
			for (String name : definition.split(";")) {
				if (!name.isBlank()) {
					functions.add(name.strip());
				}
			}
			return functions;
		}

		boolean ready() throws InterruptedException {
			try {
				return get("/actuator/health/readiness") == 200;
			}
			catch (IOException notYet) {
				return false;
			}
		}

		/** Sends one round and returns what was answered otherwise than it must be (empty when all was right). */
		public List<String> round() throws IOException, InterruptedException {
			List<String> failures = new ArrayList<>();
			expect(failures, "liveness probe", 200, get("/actuator/health/liveness"));
			expect(failures, "readiness probe", 200, get("/actuator/health/readiness"));
			long n = IDS.incrementAndGet();
			if (this.functions.contains("orderWebhook")) {
				expect(failures, "smoke-check ping", 200, webhook(this.smokeSigner,
						"{\"type\":\"ping\",\"timestamp\":\"" + Instant.now() + "\"}"));
				expect(failures, "order.created", 200, webhook(this.signer, order("order.created", "SO-T" + n)));
				expect(failures, "order.updated", 200, webhook(this.signer, order("order.updated", "SO-T" + n)));
				expect(failures, "order.cancelled", 200, webhook(this.signer, """
						{"type":"order.cancelled","timestamp":"2026-11-25T08:30:00Z","data":{"orderNumber":"SO-T%d"}}"""
					.formatted(n)));
				expect(failures, "wrong signature", 401, webhook(this.wrongSigner, order("order.created", "SO-T" + n)));
				expect(failures, "schema violation", 422, webhook(this.signer, """
						{"type":"order.created","timestamp":"2026-11-24T10:20:00Z","data":{"orderNumber":"","items":[]}}"""));
				expect(failures, "malformed JSON", 400, webhook(this.signer, "{\"type\":"));
			}
			if (this.functions.contains("mapOrder")) {
				expect(failures, "mapOrder", 200, post("/mapOrder", Map.of("Content-Type", "application/json"),
						order("order.created", "SO-M" + n)));
			}
			if (this.functions.contains("orderStatusSync")) {
				expect(failures, "smoke-check CloudEvent", 202, post("/orderStatusSync",
						Map.of("Content-Type", "application/cloudevents+json"), """
								{"specversion":"1.0","id":"aot-training-smoke-%d","source":"urn:acme:rollout",\
								"type":"com.acme.integration.smoke.v1","time":"%s"}""".formatted(n, Instant.now())));
				expect(failures, "CloudEvent, structured mode", 202, post("/orderStatusSync",
						Map.of("Content-Type", "application/cloudevents+json"), statusEvent(n)));
				Map<String, String> binary = new LinkedHashMap<>();
				binary.put("Content-Type", "application/json");
				binary.put("ce-specversion", "1.0");
				binary.put("ce-id", "aot-training-b-" + n);
				binary.put("ce-source", "https://orders.acme.example/api/v1/orders");
				binary.put("ce-type", "com.acme.orders.status-changed.v1");
				expect(failures, "CloudEvent, binary mode", 202, post("/orderStatusSync", binary, statusData(n)));
			}
			return failures;
		}

		private static void expect(List<String> failures, String what, int expected, int actual) {
			if (actual != expected) {
				failures.add(what + ": expected HTTP " + expected + ", got " + actual);
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

		private int webhook(Webhooks signedBy, String body) throws IOException, InterruptedException {
			String id = "msg_aot_training_" + IDS.incrementAndGet();
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			Map<String, String> headers = new LinkedHashMap<>(signedBy.headers(id, bytes));
			headers.put("Content-Type", "application/json");
			return post("/orderWebhook", headers, body);
		}

		private int get(String path) throws IOException, InterruptedException {
			HttpRequest request = HttpRequest.newBuilder(this.app.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
			return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}

		private int post(String path, Map<String, String> headers, String body) throws IOException, InterruptedException {
			HttpRequest.Builder request = HttpRequest.newBuilder(this.app.resolve(path))
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
			headers.forEach(request::header);
			return this.http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
		}

	}

}
