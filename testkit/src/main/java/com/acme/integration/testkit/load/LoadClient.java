package com.acme.integration.testkit.load;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import com.acme.integration.testkit.SampleWebhook;
import com.acme.integration.testkit.SignedSampleOptions;
import com.acme.integration.testkit.Webhooks;

/**
 * The load client ({@code load}, and {@link #send} in the {@link Reliability} run): posts unique, freshly signed
 * order webhooks at a fixed rate, bounded by time and count, at most {@code --concurrency} in flight; writes
 * "webhookId orderId" for every 200 to {@code --acked} and prints one summary line. With {@code --until-gone} it
 * keeps going until the server has refused connections for a second (the graceful-shutdown phase).
 */
@Command(name = "load", mixinStandardHelpOptions = true,
		description = "Post signed order webhooks at a fixed rate; print a summary line.")
public final class LoadClient implements Callable<Integer> {

	private static final Pattern ORDER_ID = Pattern.compile("\"orderId\"\\s*:\\s*\"([^\"]*)\"");

	@Spec
	CommandSpec spec;

	@Parameters(index = "0", description = "orderWebhook's URL")
	URI url;

	@Mixin
	SignedSampleOptions signed;

	@Option(names = "--rate", required = true, description = "webhooks per second")
	int rate;

	@Option(names = "--seconds", required = true, description = "how long to send (--until-gone: before giving up, plus 30 s)")
	int seconds;

	@Option(names = "--max", required = true, description = "at most this many webhooks")
	int max;

	@Option(names = "--concurrency", defaultValue = "64", description = "at most this many in flight (default ${DEFAULT-VALUE})")
	int concurrency;

	@Option(names = "--acked", required = true, description = "file for 'webhookId orderId' of every 200")
	Path acked;

	@Option(names = "--label", defaultValue = "load", description = "first word of the summary line")
	String label;

	@Option(names = "--until-gone", description = "keep sending until connections are refused for a second")
	boolean untilGone;

	/** What one run sends: {@code max} webhooks at most, {@code rate} a second, for {@code seconds} (see the options). */
	public record Run(URI url, int rate, int seconds, int max, int concurrency, boolean untilGone, Path acked,
			String label) {

		public Run {
			if (rate <= 0 || seconds < 0 || max < 0 || concurrency <= 0) {
				throw new IllegalArgumentException("rate and concurrency must be positive, seconds and max not negative");
			}
		}

	}

	/**
	 * A run's counts, its summary line (label: sent= ok= errors= final= ... outcomes=) and the "webhookId orderId"
	 * of every 200 (what {@code acked} holds).
	 */
	public record Summary(int sent, int ok, int errors, int finals, String line, List<String> acked) {
	}

	@Override
	public Integer call() throws Exception {
		Summary summary = send(new Run(this.url, this.rate, this.seconds, this.max, this.concurrency, this.untilGone,
				this.acked, this.label), new Webhooks(this.signed.secret()), this.signed.sample());
		this.spec.commandLine().getOut().println(summary.line());
		this.spec.commandLine().getOut().flush();
		return 0;
	}

	/** Sends one run's webhooks and waits for every answer; writes {@code run.acked()}. */
	public static Summary send(Run run, Webhooks webhooks, SampleWebhook sample) throws Exception {
		Semaphore inFlight = new Semaphore(run.concurrency());
		String id36 = Long.toString(System.currentTimeMillis(), 36);
		Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
		ConcurrentLinkedQueue<String> ok = new ConcurrentLinkedQueue<>();
		List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
		AtomicLong firstRefused = new AtomicLong();
		long start = System.nanoTime();
		long intervalNanos = 1_000_000_000L / run.rate();
		int sent = 0;
		try (HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.build()) {
			while (sent < run.max()) {
				long now = System.nanoTime();
				if (!run.untilGone() && now - start >= run.seconds() * 1_000_000_000L) {
					break;
				}
				if (run.untilGone() && (firstRefused.get() != 0 && now - firstRefused.get() > 1_000_000_000L
						|| now - start >= (run.seconds() + 30) * 1_000_000_000L)) {
					break;
				}
				long due = start + sent * intervalNanos;
				if (due > now) {
					Thread.sleep(Duration.ofNanos(due - now));
				}
				String id = "msg_load_" + id36 + "_" + sent;
				byte[] body = sample.withOrderNumber("LOAD-" + id36 + "-" + sent);
				HttpRequest.Builder request = HttpRequest.newBuilder(run.url())
					.timeout(Duration.ofSeconds(30))
					.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofByteArray(body));
				webhooks.headers(id, Instant.now().getEpochSecond(), body).forEach(request::header);
				inFlight.acquire();
				long sentAt = System.nanoTime();
				sent++;
				client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
					String outcome;
					if (error != null) {
						Throwable cause = (error.getCause() != null) ? error.getCause() : error;
						outcome = (cause instanceof ConnectException) ? "refused" : cause.getClass().getSimpleName();
						if (cause instanceof ConnectException) {
							firstRefused.compareAndSet(0, System.nanoTime());
						}
					}
					else {
						outcome = Integer.toString(response.statusCode());
						if (response.statusCode() == 200) {
							latencies.add((System.nanoTime() - sentAt) / 1_000_000);
							Matcher orderId = ORDER_ID.matcher(response.body());
							ok.add(id + " " + (orderId.find() ? orderId.group(1) : "?"));
						}
					}
					outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
					// Released only once the outcome is recorded: the final acquire below waits for every answer.
					inFlight.release();
				});
			}
			inFlight.acquire(run.concurrency());
		}
		double took = (System.nanoTime() - start) / 1e9;
		List<String> acked = List.copyOf(ok);
		Files.write(run.acked(), acked);
		List<Long> sorted = new ArrayList<>(latencies);
		Collections.sort(sorted);
		Map<String, Integer> summary = new TreeMap<>();
		outcomes.forEach((k, v) -> summary.put(k, v.get()));
		int errors = summary.entrySet().stream().filter(e -> !e.getKey().equals("200")).mapToInt(Map.Entry::getValue).sum();
		int finals = summary.entrySet().stream().filter(e -> isFinalRefusal(e.getKey())).mapToInt(Map.Entry::getValue)
			.sum();
		String line = String.format(Locale.ROOT,
				"%s: sent=%d ok=%d errors=%d final=%d rate=%.1f/s took=%.1fs p50=%dms p99=%dms max=%dms outcomes=%s",
				run.label(), sent, ok.size(), errors, finals, sent / took, took, percentile(sorted, 50),
				percentile(sorted, 99), sorted.isEmpty() ? 0 : sorted.getLast(), summary);
		return new Summary(sent, acked.size(), errors, finals, line, acked);
	}

	/**
	 * An answer a Standard Webhooks sender takes as final for a webhook that meets the contract: every 4xx but
	 * 408, 409 and 429. For the load's valid webhooks, each one is a lost order.
	 */
	static boolean isFinalRefusal(String outcome) {
		return outcome.length() == 3 && outcome.charAt(0) == '4' && !Set.of("408", "409", "429").contains(outcome);
	}

	private static long percentile(List<Long> sorted, int p) {
		return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
	}

}
