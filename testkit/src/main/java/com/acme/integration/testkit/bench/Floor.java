package com.acme.integration.testkit.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/**
 * The floor of the cold-start benchmark: a trivial Java main on the same JVM that answers 200 to any request,
 * so that "launch to first 200" measures the JVM and the socket, nothing else. Its own main class, outside the
 * command dispatcher, so that nothing else is loaded (scripts/bench/coldstart.sh runs it from its class file).
 */
public final class Floor {

	private Floor() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length != 1) {
			System.err.println("usage: Floor PORT");
			System.exit(2);
		}
		start(Integer.parseInt(args[0]));
	}

	static HttpServer start(int port) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
		server.createContext("/", exchange -> {
			try (exchange) {
				exchange.getRequestBody().readAllBytes();
				byte[] body = "{\"result\":\"floor\"}".getBytes(StandardCharsets.UTF_8);
				exchange.getResponseHeaders().set("Content-Type", "application/json");
				exchange.sendResponseHeaders(200, body.length);
				exchange.getResponseBody().write(body);
			}
		});
		server.start();
		return server;
	}

}
