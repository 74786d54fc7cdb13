package com.acme.integration.reliability;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.acme.integration.testkit.Hold;
import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.StandInServer;
import com.acme.integration.testkit.Webhooks;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly once across processes, as Knative runs them: orderWebhook in JVMs of its own (the application on this
 * module's class path, as the jar runs it), in front of one Orders API stand-in on loopback. A process killed
 * with SIGKILL while our API holds a request it will commit, then restarted, and two replicas taking the same
 * webhooks at once: every webhook ends with exactly one order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ProcessFaultsIntegrationTests {

	static final String TOKEN = "process-faults-test-token";

	static final String SECRET = Webhooks.secretOf("process-faults-test-only-secret");

	static final Webhooks SIGNER = new Webhooks(SECRET);

	static final OrdersApiStandIn ORDERS_API = new OrdersApiStandIn(TOKEN);

	static final JsonMapper JSON = JsonMapper.builder().build();

	static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5)).build();

	static StandInServer standIns;

	static App first;

	static App second;

	@BeforeAll
	static void start() throws Exception {
		standIns = StandInServer.start(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(64),
				ORDERS_API);
		first = App.start("first");
		second = App.start("second");
		first.awaitReady();
		second.awaitReady();
	}

	@AfterAll
	static void stop() {
		for (App app : new App[] { first, second }) {
			if (app != null) {
				app.process.destroyForcibly();
			}
		}
		if (standIns != null) {
			standIns.close();
		}
	}

	@BeforeEach
	void freshOrdersApi() {
		standIns.reset();
	}

	@Test
	@Order(1)
	void aProcessKilledWhileOurApiCommitsLosesNothingAndTheRedeliveryCreatesNoSecondOrder() throws Exception {
		String id = "msg_killed_" + System.nanoTime();
		byte[] body = order("KILL-1");
		Hold hold = ORDERS_API.hold();
		CompletableFuture<HttpResponse<String>> cut = first.sendAsync(id, body);

		assertThat(hold.awaitHeld(Duration.ofSeconds(60))).isEqualTo(id);
		first.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
		hold.release();
		ORDERS_API.awaitQuiet(Duration.ofSeconds(10));

		assertThat(cut).failsWithin(Duration.ofSeconds(30));
		assertThat(ORDERS_API.orders()).as("our API committed the held request").hasSize(1);
		first = App.start("first-restarted");
		first.awaitReady();
		HttpResponse<String> redelivered = first.send(id, body);

		assertThat(redelivered.statusCode()).as(redelivered.body()).isEqualTo(200);
		JsonNode answer = JSON.readTree(redelivered.body());
		assertThat(answer.get("result").stringValue()).isEqualTo("duplicate");
		assertThat(answer.get("orderId").stringValue()).isEqualTo(ORDERS_API.orders().getFirst().id());
		assertThat(ORDERS_API.orders()).hasSize(1);
	}

	@Test
	@Order(2)
	void theReplicaThatGetsAWebhookTheOtherIsDeliveringAnswers409AndTheRedeliveryGetsTheOrder() throws Exception {
		String id = "msg_race_" + System.nanoTime();
		byte[] body = order("RACE-1");
		Hold hold = ORDERS_API.hold();
		CompletableFuture<HttpResponse<String>> atFirst = first.sendAsync(id, body);
		hold.awaitHeld(Duration.ofSeconds(60));

		HttpResponse<String> atSecond = second.send(id, body);
		hold.release();

		assertThat(atSecond.statusCode()).as(atSecond.body()).isEqualTo(409);
		assertThat(JSON.readTree(atSecond.body()).get("type").stringValue()).endsWith("/conflict");
		assertThat(atFirst.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		HttpResponse<String> redelivered = second.send(id, body);
		assertThat(JSON.readTree(redelivered.body()).get("result").stringValue()).isEqualTo("duplicate");
		assertThat(ORDERS_API.orders()).hasSize(1);
	}

	@Test
	@Order(3)
	void twoReplicasTakingTheSameWebhooksAtOnceMakeExactlyOneOrderEach() throws Exception {
		List<String> ids = new ArrayList<>();
		Map<String, byte[]> bodies = new ConcurrentHashMap<>();
		for (int i = 0; i < 120; i++) {
			String id = "msg_replicas_" + System.nanoTime() + "_" + i;
			ids.add(id);
			bodies.put(id, order("REPLICA-" + i));
		}
		Map<Integer, Integer> answers = new TreeMap<>();
		Map<String, Integer> deliveries = new ConcurrentHashMap<>();
		List<String> pending = new ArrayList<>(ids);
		Instant until = Instant.now().plusSeconds(120);
		while (!pending.isEmpty() && Instant.now().isBefore(until)) {
			// Every third webhook reaches both replicas at once, as two deliveries of one sender can; the
			// others alternate between them.
			List<CompletableFuture<Map.Entry<String, Integer>>> inFlight = new ArrayList<>();
			for (int i = 0; i < pending.size(); i++) {
				String id = pending.get(i);
				byte[] body = bodies.get(id);
				List<App> targets = (ids.indexOf(id) % 3 == 0) ? List.of(first, second)
						: List.of((i % 2 == 0) ? first : second);
				for (App app : targets) {
					deliveries.merge(id, 1, Integer::sum);
					inFlight.add(app.sendAsync(id, body)
						.thenApply(response -> Map.entry(id, response.statusCode()))
						.exceptionally(ex -> Map.entry(id, -1)));
				}
			}
			List<String> acknowledged = new ArrayList<>();
			for (CompletableFuture<Map.Entry<String, Integer>> future : inFlight) {
				Map.Entry<String, Integer> result = future.get(60, TimeUnit.SECONDS);
				answers.merge(result.getValue(), 1, Integer::sum);
				if (result.getValue() == 200) {
					acknowledged.add(result.getKey());
				}
			}
			pending.removeAll(acknowledged);
		}
		Map<String, Long> ordersPerWebhook = ORDERS_API.orders().stream()
			.collect(Collectors.groupingBy(OrdersApiStandIn.Order::idempotencyKey, Collectors.counting()));
		System.out.printf("process faults, two replicas: %d webhooks in %d deliveries; answers %s; orders %d%n",
				ids.size(), deliveries.values().stream().mapToInt(Integer::intValue).sum(), answers,
				ORDERS_API.orders().size());

		assertThat(pending).as("every webhook acknowledged").isEmpty();
		assertThat(answers.keySet()).as("only 200 and 409 (same webhook in flight at the other replica)")
			.isSubsetOf(200, 409);
		assertThat(ids).allSatisfy(id -> assertThat(ordersPerWebhook.get(id)).as(id).isEqualTo(1));
		assertThat(ORDERS_API.orders()).hasSize(ids.size());
	}

	static byte[] order(String orderNumber) throws IOException {
		String template = new String(
				ProcessFaultsIntegrationTests.class.getResourceAsStream("/samples/webhooks/order-created.json")
					.readAllBytes(),
				StandardCharsets.UTF_8);
		return template.replace("SO-100234", orderNumber).getBytes(StandardCharsets.UTF_8);
	}

	/** orderWebhook in a JVM of its own, as the production jar runs it, with its log in target/. */
	record App(Process process, int port, Path log) {

		static App start(String name) throws IOException {
			int port;
			try (ServerSocket socket = new ServerSocket(0)) {
				port = socket.getLocalPort();
			}
			Path log = Path.of("target", "process-faults-" + name + ".log");
			Files.createDirectories(log.getParent());
			ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
					"com.acme.integration.IntegrationApplication", "--server.port=" + port,
					"--server.address=127.0.0.1", "--spring.cloud.function.definition=orderWebhook;mapOrder",
					"--integration.customer.key=mueller", "--integration.webhook.secrets=" + SECRET,
					"--integration.orders-api.base-url=" + standIns.baseUrl(),
					"--integration.orders-api.token=" + TOKEN)
				.redirectErrorStream(true)
				.redirectOutput(log.toFile());
			builder.environment().put("INTEGRATION_SECRETS_DIR", "/nonexistent/");
			return new App(builder.start(), port, log);
		}

		void awaitReady() throws Exception {
			Instant until = Instant.now().plusSeconds(180);
			URI readiness = URI.create("http://127.0.0.1:" + this.port + "/actuator/health/readiness");
			while (Instant.now().isBefore(until)) {
				if (!this.process.isAlive()) {
					throw new IllegalStateException("the app exited (" + this.process.exitValue() + "), see " + this.log);
				}
				try {
					if (HTTP.send(HttpRequest.newBuilder(readiness).build(), HttpResponse.BodyHandlers.discarding())
						.statusCode() == 200) {
						return;
					}
				}
				catch (IOException ex) {
					// not listening yet
				}
				Thread.sleep(250);
			}
			throw new IllegalStateException("not ready within 180 s, see " + this.log);
		}

		HttpRequest request(String id, byte[] body) {
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/orderWebhook"))
				.timeout(Duration.ofSeconds(60))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body));
			SIGNER.headers(id, body).forEach(request::header);
			return request.build();
		}

		CompletableFuture<HttpResponse<String>> sendAsync(String id, byte[] body) {
			return HTTP.sendAsync(request(id, body), HttpResponse.BodyHandlers.ofString());
		}

		HttpResponse<String> send(String id, byte[] body) throws IOException, InterruptedException {
			return HTTP.send(request(id, body), HttpResponse.BodyHandlers.ofString());
		}

	}

}
