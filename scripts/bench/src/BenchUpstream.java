import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fast stand-in for the Orders API, used by the benchmarks only: answers every call at once, the
 * way a healthy upstream would, so that the measured time is ours. Started once, outside the
 * measured process. POST /api/v1/orders -> 201, PUT .../by-external-ref/{ref} and
 * POST .../by-external-ref/{ref}/cancel -> 200; each with a JSON body carrying an "id".
 * Usage: java BenchUpstream PORT
 */
public final class BenchUpstream {

	private static final AtomicLong ORDERS = new AtomicLong();

	public static void main(String[] args) throws IOException {
		int port = Integer.parseInt(args[0]);
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
		server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
		server.createContext("/", BenchUpstream::handle);
		server.start();
		System.out.println("bench upstream listening on 127.0.0.1:" + port);
	}

	private static void handle(HttpExchange exchange) throws IOException {
		try (exchange; InputStream body = exchange.getRequestBody()) {
			body.readAllBytes();
			String path = exchange.getRequestURI().getPath();
			String method = exchange.getRequestMethod();
			int status;
			if ("POST".equals(method) && path.equals("/api/v1/orders")) {
				status = 201;
			}
			else if (path.startsWith("/api/v1/orders/by-external-ref/") && ("PUT".equals(method) || "POST".equals(method))) {
				status = 200;
			}
			else if ("GET".equals(method) && path.equals("/health")) {
				status = 200;
			}
			else {
				status = 404;
			}
			byte[] response = status == 404 ? "{\"title\":\"Not Found\",\"status\":404}".getBytes(StandardCharsets.UTF_8)
					: ("{\"id\":\"ord-" + ORDERS.incrementAndGet() + "\",\"status\":\"ACCEPTED\"}").getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", status == 404 ? "application/problem+json" : "application/json");
			exchange.sendResponseHeaders(status, response.length);
			exchange.getResponseBody().write(response);
		}
	}

}
