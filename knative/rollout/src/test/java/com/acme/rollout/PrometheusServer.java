package com.acme.rollout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's package) over backfilled series: {@code promtool tsdb create-blocks-from openmetrics}
 * writes the fixture into a fresh TSDB, {@code prometheus} serves it on a free loopback port, scraping nothing.
 */
final class PrometheusServer implements AutoCloseable {
    private final Process process;
    private final String url;
    private final Path log;

    private PrometheusServer(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /** Skips (fails with CI=true) when prometheus or promtool is missing. */
    static PrometheusServer start(Path dir, String openMetrics) throws IOException, InterruptedException {
        RequiredTool.assumeInstalled("prometheus", "--version");
        RequiredTool.assumeInstalled("promtool", "--version");
        Path data = Files.createDirectories(dir.resolve("data"));
        if (openMetrics != null) {
            Path fixture = dir.resolve("fixture.om");
            Files.writeString(fixture, openMetrics);
            Process promtool = new ProcessBuilder("promtool", "tsdb", "create-blocks-from", "openmetrics",
                    fixture.toString(), data.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("promtool.log").toFile()).start();
            if (!promtool.waitFor(120, TimeUnit.SECONDS) || promtool.exitValue() != 0) {
                throw new IllegalStateException("promtool failed: " + Files.readString(dir.resolve("promtool.log")));
            }
        }
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, "# Serves the backfilled blocks; scrapes nothing.\nglobal:\n  scrape_interval: 1h\n");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.retention.time=30d")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, "http://127.0.0.1:" + port, log);
        server.awaitReady();
        return server;
    }

    private void awaitReady() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited: " + Files.readString(log));
            }
            try {
                HttpResponse<Void> ready = http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("prometheus not ready after 60s: " + Files.readString(log));
    }

    String url() {
        return url;
    }

    /** Runs an instant query, for assertions on what Prometheus itself answers. */
    String query(String promql) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/api/v1/query?query="
                        + java.net.URLEncoder.encode(promql, java.nio.charset.StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
