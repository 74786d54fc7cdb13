package com.acme.integration.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.StandInServer;
import com.acme.integration.testkit.Webhooks;
import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The parts of one environment, started once for the whole suite:
 * <pre>
 * browser / HTTP client -> nginx (rendered by scripts/render-nginx.sh)
 *     resolves the cluster-local Service names through the cluster DNS stand-in
 *     -> Knative's cluster-local gateway stand-in (WireMock, routes by Host header like Knative does)
 *     -> functions jar (orderWebhook, mapOrder) -> the testkit's Orders API stand-in (same WireMock)
 * </pre>
 * The gateway stand-in records exactly what nginx sent (Host, path, body bytes), which is what
 * the front is responsible for; the real functions then prove that a signature still verifies.
 */
final class FrontStack implements AutoCloseable {

	/** Host headers Knative would route by: the service, and a tag for previews. */
	static final String WEBHOOK_HOST = "order-webhook.integration-e2e.svc.cluster.local";
	static final String PREVIEW_HOST = "preview-order-webhook.integration-e2e.svc.cluster.local";

	/** A merge request's preview tag, as `rollout preview --name mr-7` creates it, and its cluster-local name. */
	static final String REVIEW_TAG = "mr-7";
	static final String REVIEW_HOST = REVIEW_TAG + "-" + WEBHOOK_HOST;

	/** The sandbox signing secret from the team contract (sandbox only, not a real secret). */
	static final String SANDBOX_SECRET = Webhooks.SANDBOX_SECRET;

	static final String ORDERS_API_TOKEN = "e2e-token";

	static final String CUSTOMER_KEY = "mueller";

	/** The stand-in's first order: the suite creates one. */
	static final String CREATED_ORDER_ID = "ord-000001";

	final E2eSettings settings;

	final WireMockServer wireMock;

	final URI front;

	final URI functions;

	final ClusterDnsStandIn dns;

	private final List<Process> processes = new ArrayList<>();

	private FrontStack(E2eSettings settings, WireMockServer wireMock, ClusterDnsStandIn dns, URI front, URI functions) {
		this.settings = settings;
		this.wireMock = wireMock;
		this.dns = dns;
		this.front = front;
		this.functions = functions;
	}

	static FrontStack start() {
		E2eSettings settings = E2eSettings.fromSystemProperties();
		E2eSettings.require(settings.functionsJar(), "build it first: ./mvnw -B -pl functions -am package -DskipTests");
		E2eSettings.require(settings.nginx(), "install nginx (scripts/e2e.sh does)");
		StandInServer standIns = StandInServer.start(options().dynamicPort().bindAddress("127.0.0.1"),
				new OrdersApiStandIn(ORDERS_API_TOKEN));
		WireMockServer wireMock = standIns.wireMock();
		FrontStack stack = null;
		try {
			URI functions = URI.create("http://127.0.0.1:" + Commands.freePort());
			URI front = URI.create("http://127.0.0.1:" + Commands.freePort());
			ClusterDnsStandIn dns = ClusterDnsStandIn.start().service(WEBHOOK_HOST).service(PREVIEW_HOST).service(REVIEW_HOST);
			stack = new FrontStack(settings, wireMock, dns, front, functions);
			stack.stubGateway();
			stack.startFunctions();
			stack.startNginx();
			stack.awaitUp(functions.resolve("/actuator/health/readiness"), Duration.ofMinutes(3), "functions");
			stack.awaitUp(front.resolve("/healthz"), Duration.ofSeconds(30), "nginx");
			stack.warmUp();
			return stack;
		}
		catch (Exception ex) {
			if (stack != null) {
				stack.close();
			}
			else {
				wireMock.stop();
			}
			throw new IllegalStateException("Could not start the e2e stack (logs in " + settings.workDir().resolve("logs") + ")", ex);
		}
	}

	private void stubGateway() {
		// Cluster-local gateway stand-in: only the right Host reaches the function, as with Knative.
		wireMock.stubFor(post(urlEqualTo("/orderWebhook")).withHeader("Host", equalTo(WEBHOOK_HOST))
			.willReturn(aResponse().proxiedFrom(functions.toString())));
		wireMock.stubFor(post(urlEqualTo("/mapOrder")).withHeader("Host", equalTo(PREVIEW_HOST))
			.willReturn(aResponse().proxiedFrom(functions.toString())));
		wireMock.stubFor(post(urlEqualTo("/mapOrder")).withHeader("Host", equalTo(REVIEW_HOST))
			.willReturn(aResponse().proxiedFrom(functions.toString())));
	}

	private void startFunctions() throws IOException {
		Path log = logFile("functions.log");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder builder = new ProcessBuilder(java, "-jar", settings.functionsJar().toString(),
				"--server.port=" + functions.getPort(),
				"--server.address=127.0.0.1",
				"--spring.cloud.function.definition=orderWebhook;mapOrder",
				"--integration.customer.key=" + CUSTOMER_KEY,
				"--integration.webhook.secrets=" + SANDBOX_SECRET,
				"--integration.orders-api.base-url=" + wireMock.baseUrl(),
				"--integration.orders-api.token=" + ORDERS_API_TOKEN)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		// No mounted secrets here: the config tree import must find nothing.
		builder.environment().put("INTEGRATION_SECRETS_DIR", settings.workDir().resolve("no-secrets").toString() + "/");
		processes.add(builder.start());
	}

	private void startNginx() throws IOException, InterruptedException {
		Path ui = settings.workDir().resolve("ui");
		Commands.Result built = Commands.run(List.of("bash", settings.uiBuildScript().toString(), ui.toString()), Map.of(),
				logFile("ui-build.log"));
		check(built, "nginx/ui/build.sh");
		Path rendered = settings.workDir().resolve("nginx/conf.d");
		Commands.Result render = Commands.run(List.of("bash", settings.renderScript().toString(), "dev", rendered.toString()),
				Map.ofEntries(Map.entry("FRONT_LISTEN_PORT", String.valueOf(front.getPort())),
						Map.entry("FRONT_UI_ROOT", ui.toString()),
						// The gateway stand-in's port instead of the Services' 80; the names are
						// resolved as in the cluster, through the DNS stand-in.
						Map.entry("FRONT_UPSTREAM_PORT", String.valueOf(wireMock.port())),
						Map.entry("FRONT_ORDER_WEBHOOK_HOST", WEBHOOK_HOST),
						Map.entry("FRONT_PREVIEW_HOST", PREVIEW_HOST),
						// The tests act as the load balancer: X-Forwarded-For from 127.0.0.1 is trusted,
						// so each test can be its own client IP with its own rate-limit bucket.
						Map.entry("FRONT_REAL_IP_FROM", "127.0.0.1"),
						Map.entry("FRONT_RESOLVER", dns.address()),
						Map.entry("FRONT_WEBHOOK_RATE", "30r/m"),
						Map.entry("FRONT_WEBHOOK_BURST", "5"),
						Map.entry("FRONT_PREVIEW_RATE", "30r/m"),
						Map.entry("FRONT_PREVIEW_BURST", "5"),
						// A loaded 2-core test machine answers slower than production does; no test
						// here is about the timeout itself.
						Map.entry("FRONT_PROXY_TIMEOUT", "30s")),
				logFile("render.log"));
		check(render, "scripts/render-nginx.sh");
		Path prefix = settings.workDir().resolve("nginx");
		Path conf = Commands.writeNginxConf(prefix, rendered);
		// Append mode: nginx reopens /dev/stdout for its access log, and two descriptions of one
		// file without O_APPEND would overwrite each other's lines.
		Path log = logFile("nginx.log");
		Files.deleteIfExists(log);
		processes.add(new ProcessBuilder(settings.nginx().toString(), "-e", "stderr", "-p", prefix.toString(), "-c", conf.toString())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start());
	}

	private static void check(Commands.Result result, String what) {
		if (result.exitCode() != 0) {
			throw new IllegalStateException(what + " failed (" + result.exitCode() + "):\n" + result.output());
		}
	}

	private Path logFile(String name) throws IOException {
		Path logs = settings.workDir().resolve("logs");
		Files.createDirectories(logs);
		return logs.resolve(name);
	}

	/** Waits for a process to answer 200; a start-up wait, not an assertion on timing. */
	private void awaitUp(URI uri, Duration patience, String what) throws InterruptedException {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
		Instant giveUp = Instant.now().plus(patience);
		while (Instant.now().isBefore(giveUp)) {
			for (Process process : processes) {
				if (!process.isAlive()) {
					throw new IllegalStateException("A child process exited with " + process.exitValue() + " before " + what + " was up");
				}
			}
			try {
				HttpResponse<Void> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
						HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// not listening yet
			}
			Thread.sleep(250);
		}
		throw new IllegalStateException(what + " did not answer 200 on " + uri + " within " + patience);
	}

	/**
	 * Calls each path through the whole chain (nginx, gateway stand-in, function) until it is
	 * answered by the function: on a loaded machine the first calls of a fresh JVM are slow, and
	 * the tests must not measure that. Comes from its own client address (X-Forwarded-For), so no
	 * test's rate-limit bucket is used. The answers do not matter (an unsigned webhook is refused).
	 */
	private void warmUp() throws IOException, InterruptedException {
		HttpClient client = HttpClient.newHttpClient();
		byte[] sample = Files.readAllBytes(settings.webhookSample("order-created.json"));
		for (String path : List.of("/integrations/preview/order", "/integrations/webhooks/orders")) {
			for (int attempt = 0; attempt < 3; attempt++) {
				HttpResponse<Void> response = client.send(HttpRequest.newBuilder(front.resolve(path))
					.timeout(Duration.ofMinutes(2))
					.header("Content-Type", "application/json")
					.header("X-Forwarded-For", "198.51.100.1")
					.POST(HttpRequest.BodyPublishers.ofByteArray(sample))
					.build(), HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() != 502 && response.statusCode() != 504) {
					break;
				}
			}
		}
	}

	Path logs() {
		return settings.workDir().resolve("logs");
	}

	@Override
	public void close() {
		for (Process process : processes.reversed()) {
			process.destroy();
			try {
				if (!process.waitFor(30, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				process.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
		wireMock.stop();
		dns.close();
	}

}
