import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Orders API stand-in for scripts/reliability/load.sh: records one order per Idempotency-Key and
 * answers a replayed key with the first result and "Idempotent-Replayed: true", like our API.
 * GET /__orders lists "key orderId" lines, for the check that every acknowledged webhook has its order.
 * Usage: java OrdersStandIn.java PORT TOKEN [DELAY_MS]
 */
public class OrdersStandIn {

	public static void main(String[] args) throws IOException {
		int port = Integer.parseInt(args[0]);
		String bearer = "Bearer " + args[1];
		long delayMs = (args.length > 2) ? Long.parseLong(args[2]) : 0;
		Map<String, String> orders = new ConcurrentHashMap<>();
		AtomicLong ids = new AtomicLong();
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 512);
		server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
		server.createContext("/__orders", exchange -> {
			StringBuilder out = new StringBuilder();
			orders.forEach((key, id) -> out.append(key).append(' ').append(id).append('\n'));
			respond(exchange, 200, "text/plain", out.toString());
		});
		server.createContext("/api/v1/orders", exchange -> {
			exchange.getRequestBody().readAllBytes();
			String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
			if (!bearer.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
				respond(exchange, 401, "application/problem+json", "{\"status\":401,\"title\":\"Unauthorized\"}");
				return;
			}
			if (key == null || !"POST".equals(exchange.getRequestMethod())) {
				respond(exchange, 400, "application/problem+json", "{\"status\":400,\"title\":\"Bad Request\"}");
				return;
			}
			if (delayMs > 0) {
				try {
					Thread.sleep(delayMs);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			boolean[] created = new boolean[1];
			String id = orders.computeIfAbsent(key, k -> {
				created[0] = true;
				return "ord_" + ids.incrementAndGet();
			});
			if (!created[0]) {
				exchange.getResponseHeaders().add("Idempotent-Replayed", "true");
			}
			respond(exchange, 201, "application/json", "{\"id\":\"" + id + "\",\"status\":\"RECEIVED\"}");
		});
		server.start();
		System.out.println("orders stand-in listening on 127.0.0.1:" + port);
	}

	private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", type);
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

}
