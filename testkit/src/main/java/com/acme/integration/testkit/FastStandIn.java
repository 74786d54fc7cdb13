package com.acme.integration.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The Orders API and the ERP as a healthy upstream answers, stateless and at once, for the benchmarks (which
 * measure our code, not the stand-in's) and the requests a training run sends: {@code POST /api/v1/orders}
 * 201, {@code PUT .../by-external-ref/{ref}} and {@code POST .../{ref}/cancel} 200, each with an {@code id};
 * the ERP's token endpoint issues a token, its status endpoint 204; {@code GET /health} 200; 404 otherwise.
 * It checks nothing (no token, no key, no replay): that is {@link OrdersApiStandIn}'s job. The JDK's HTTP
 * server with a virtual thread per exchange, on loopback.
 */
public final class FastStandIn implements AutoCloseable {

	private static final byte[] NOT_FOUND = "{\"title\":\"Not Found\",\"status\":404}".getBytes(StandardCharsets.UTF_8);

	private static final byte[] TOKEN = "{\"access_token\":\"fast-stand-in-only\",\"token_type\":\"Bearer\",\"expires_in\":3600}"
		.getBytes(StandardCharsets.UTF_8);

	private final AtomicLong orders = new AtomicLong();

	private final HttpServer server;

	private FastStandIn(HttpServer server) {
		this.server = server;
	}

	/** Starts it on the loopback port (0: any free one). */
	public static FastStandIn start(int port) {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
			FastStandIn standIn = new FastStandIn(server);
			server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
			server.createContext("/", standIn::handle);
			server.start();
			return standIn;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.server.getAddress().getPort();
	}

	public String baseUrl() {
		return "http://127.0.0.1:" + port();
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange; InputStream body = exchange.getRequestBody()) {
			body.readAllBytes();
			String path = exchange.getRequestURI().getPath();
			String method = exchange.getRequestMethod();
			if (method.equals("POST") && path.equals("/api/v1/orders")) {
				respond(exchange, 201, order());
			}
			else if (path.startsWith("/api/v1/orders/by-external-ref/") && (method.equals("PUT") || method.equals("POST"))) {
				respond(exchange, 200, order());
			}
			else if (method.equals("POST") && path.equals(ErpStandIn.PATH + "/oauth/token")) {
				respond(exchange, 200, TOKEN);
			}
			else if (method.equals("PUT") && path.startsWith(ErpStandIn.PATH + "/api/orders/") && path.endsWith("/status")) {
				exchange.sendResponseHeaders(204, -1);
			}
			else if (method.equals("GET") && path.equals("/health")) {
				respond(exchange, 200, "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8));
			}
			else {
				exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
				exchange.sendResponseHeaders(404, NOT_FOUND.length);
				exchange.getResponseBody().write(NOT_FOUND);
			}
		}
	}

	private byte[] order() {
		return ("{\"id\":\"ord-" + this.orders.incrementAndGet() + "\",\"status\":\"ACCEPTED\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(status, body.length);
		exchange.getResponseBody().write(body);
	}

}
