package com.acme.rollout;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The candidate's tag URLs and Prometheus, on one loopback port: {@code /<revision>/...} answers 200 unless the
 * revision is in {@link #failingRevisions}; {@code /api/v1/query} answers {@link #prometheusValue}.
 */
final class TestHttpServer implements AutoCloseable {
    final Set<String> failingRevisions = ConcurrentHashMap.newKeySet();
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile String prometheusValue = "0";
    private final HttpServer server;

    TestHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            int status;
            String body;
            if (path.equals("/api/v1/query")) {
                status = 200;
                body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
                        + "\"value\":[1764000000,\"" + prometheusValue + "\"]}]}}";
            } else {
                String revision = path.split("/")[1];
                status = failingRevisions.contains(revision) ? 503 : 200;
                body = status == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
