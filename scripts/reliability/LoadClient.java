import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
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
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Load client for scripts/reliability/load.sh: posts unique, freshly signed order.created webhooks
 * (Standard Webhooks, HMAC-SHA256) at a fixed rate, bounded by time and count, at most CONCURRENCY in
 * flight. Writes "webhookId orderId" for every 200 to ACKED and prints one summary line.
 * With STOP_WHEN_GONE=true it keeps going until the server has refused connections for a second
 * (the graceful-shutdown phase).
 * Usage: java LoadClient.java URL SECRET SAMPLE RATE SECONDS MAX CONCURRENCY ACKED LABEL [STOP_WHEN_GONE]
 */
public class LoadClient {

	public static void main(String[] args) throws Exception {
		URI url = URI.create(args[0]);
		byte[] key = Base64.getDecoder().decode(args[1].substring("whsec_".length()));
		String sample = Files.readString(Path.of(args[2]));
		int rate = Integer.parseInt(args[3]);
		int seconds = Integer.parseInt(args[4]);
		int max = Integer.parseInt(args[5]);
		Semaphore inFlight = new Semaphore(Integer.parseInt(args[6]));
		Path acked = Path.of(args[7]);
		String label = args[8];
		boolean stopWhenGone = args.length > 9 && Boolean.parseBoolean(args[9]);

		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2)).build();
		String run = Long.toString(System.currentTimeMillis(), 36);
		Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
		ConcurrentLinkedQueue<String> ok = new ConcurrentLinkedQueue<>();
		List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
		AtomicLong lastRefused = new AtomicLong();
		AtomicLong firstRefused = new AtomicLong();
		long start = System.nanoTime();
		long intervalNanos = 1_000_000_000L / rate;
		int sent = 0;
		while (sent < max) {
			long now = System.nanoTime();
			if (!stopWhenGone && now - start >= seconds * 1_000_000_000L) {
				break;
			}
			if (stopWhenGone && firstRefused.get() != 0 && now - firstRefused.get() > 1_000_000_000L) {
				break;
			}
			if (stopWhenGone && now - start >= (seconds + 30) * 1_000_000_000L) {
				break;
			}
			long due = start + sent * intervalNanos;
			if (due > now) {
				Thread.sleep(Duration.ofNanos(due - now));
			}
			String id = "msg_load_" + run + "_" + sent;
			String orderNumber = "LOAD-" + run + "-" + sent;
			byte[] body = sample.replaceFirst("(\"orderNumber\"\\s*:\\s*\")[^\"]*(\")", "$1" + orderNumber + "$2")
				.getBytes(StandardCharsets.UTF_8);
			String timestamp = Long.toString(Instant.now().getEpochSecond());
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key, "HmacSHA256"));
			mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
			String signature = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
			HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
				.header("Content-Type", "application/json").header("webhook-id", id)
				.header("webhook-timestamp", timestamp).header("webhook-signature", signature)
				.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
			inFlight.acquire();
			long sentAt = System.nanoTime();
			sent++;
			client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
				inFlight.release();
				String outcome;
				if (error != null) {
					Throwable cause = (error.getCause() != null) ? error.getCause() : error;
					outcome = (cause instanceof ConnectException) ? "refused" : cause.getClass().getSimpleName();
					if (cause instanceof ConnectException) {
						firstRefused.compareAndSet(0, System.nanoTime());
						lastRefused.set(System.nanoTime());
					}
				}
				else {
					outcome = Integer.toString(response.statusCode());
					if (response.statusCode() == 200) {
						latencies.add((System.nanoTime() - sentAt) / 1_000_000);
						String body200 = response.body();
						int at = body200.indexOf("\"orderId\":\"");
						String orderId = (at < 0) ? "?" : body200.substring(at + 11, body200.indexOf('"', at + 11));
						ok.add(id + " " + orderId);
					}
				}
				outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
			});
		}
		inFlight.acquire(Integer.parseInt(args[6]));
		double took = (System.nanoTime() - start) / 1e9;
		try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(acked))) {
			ok.forEach(out::println);
		}
		List<Long> sorted = new ArrayList<>(latencies);
		Collections.sort(sorted);
		Map<String, Integer> summary = new TreeMap<>();
		outcomes.forEach((k, v) -> summary.put(k, v.get()));
		int errors = summary.entrySet().stream().filter(e -> !e.getKey().equals("200")).mapToInt(Map.Entry::getValue)
			.sum();
		System.out.printf("%s: sent=%d ok=%d errors=%d rate=%.1f/s took=%.1fs p50=%dms p99=%dms max=%dms outcomes=%s%n",
				label, sent, ok.size(), errors, sent / took, took, pct(sorted, 50), pct(sorted, 99),
				sorted.isEmpty() ? 0 : sorted.getLast(), summary);
	}

	private static long pct(List<Long> sorted, int p) {
		return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
	}

}
