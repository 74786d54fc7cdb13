package com.acme.integration.testkit.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for the functions jar in the {@link Reliability} run, started as a JVM of its own with that
 * environment: answers readiness, forwards each {@code /orderWebhook} to the Orders API
 * ({@code INTEGRATION_ORDERSAPI_BASEURL}, the token, {@code Idempotency-Key} = webhook-id, the order number as
 * externalRef) without verifying anything and answers 200 with the order id; on SIGTERM it stops taking
 * connections, drains and prints "Graceful shutdown complete". Its argument, a {@link Mode}, makes it misbehave.
 */
public final class FakeApp {

	/** How it behaves. */
	public enum Mode {

		/** As described. */
		CORRECT,
		/** Acknowledges every fourth webhook without forwarding it. */
		UNFORWARDED,
		/** Logs the webhook secrets at start-up. */
		LEAKS_SECRET,
		/** Exits on SIGTERM without draining or logging the graceful shutdown. */
		ABRUPT

	}

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private FakeApp() {
	}

	public static void main(String[] args) throws IOException {
		Mode mode = Mode.valueOf(args[0]);
		String ordersApi = System.getenv("INTEGRATION_ORDERSAPI_BASEURL");
		String token = System.getenv("INTEGRATION_ORDERSAPI_TOKEN");
		if (mode == Mode.LEAKS_SECRET) {
			System.out.println("configured webhook secrets: " + System.getenv("INTEGRATION_WEBHOOK_SECRETS"));
		}
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		AtomicInteger received = new AtomicInteger();
		HttpServer server = HttpServer.create(
				new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("SERVER_PORT"))), 64);
		server.setExecutor(Executors.newFixedThreadPool(16));
		server.createContext("/actuator/health/readiness", exchange -> answer(exchange, 200, "{\"status\":\"UP\"}"));
		server.createContext("/orderWebhook", exchange -> {
			String id = exchange.getRequestHeaders().getFirst("webhook-id");
			JsonNode webhook = JSON.readTree(exchange.getRequestBody().readAllBytes());
			if (mode == Mode.UNFORWARDED && received.incrementAndGet() % 4 == 0) {
				answer(exchange, 200, "{\"orderId\":\"ord-never-sent\",\"result\":\"created\"}");
				return;
			}
			String order = JSON.writeValueAsString(
					JSON.createObjectNode().put("externalRef", webhook.path("data").path("orderNumber").asString()));
			try {
				HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create(ordersApi + "/api/v1/orders"))
					.timeout(Duration.ofSeconds(10))
					.header("Authorization", "Bearer " + token)
					.header("Idempotency-Key", id)
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString(order))
					.build(), HttpResponse.BodyHandlers.ofString());
				if (created.statusCode() / 100 != 2) {
					answer(exchange, 503, "{\"status\":503}");
					return;
				}
				String orderId = JSON.readTree(created.body()).path("id").asString();
				answer(exchange, 200, "{\"orderId\":\"" + orderId + "\",\"result\":\"created\"}");
			}
			catch (IOException | InterruptedException ex) {
				answer(exchange, 503, "{\"status\":503}");
			}
		});
		server.start();
		System.out.println("fake app (" + mode + ") listening on " + server.getAddress());
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			if (mode == Mode.ABRUPT) {
				return;
			}
			// Stops taking connections, then waits for the exchanges in flight.
			server.stop(5);
			System.out.println("Graceful shutdown complete");
		}));
	}

	private static void answer(HttpExchange exchange, int status, String json) throws IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, body.length);
		exchange.getResponseBody().write(body);
		exchange.close();
	}

}
