package com.acme.integration.testkit.load;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import com.acme.integration.testkit.DurationConverter;
import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.Processes;
import com.acme.integration.testkit.SampleWebhook;
import com.acme.integration.testkit.SignedSampleOptions;
import com.acme.integration.testkit.StandInServer;
import com.acme.integration.testkit.Webhooks;
import com.acme.integration.testkit.bench.ColdStart;

/**
 * The load run of scripts/reliability/load.sh, on loopback: serves the Orders API stand-in
 * ({@link OrdersApiStandIn}, answering 5 ms late) in this JVM, starts the app as a child process with the
 * environment of the functions jar, and sends it signed webhooks with {@link LoadClient#send}.
 * <ol>
 * <li>Sustained load: a warm-up, then the sustained rate; every answer must be a 200, and the resident set
 * size (sampled every second to rss.txt) may grow at most {@code --rss-growth-pct} percent over its value
 * after the warm-up. Then SIGTERM.</li>
 * <li>Shutdown: a new app under load gets SIGTERM once the stand-in has about half of
 * {@code --before-term} seconds' worth of the phase's orders; the client keeps sending until connections are
 * refused.</li>
 * </ol>
 * Then it asserts that no valid webhook was refused for good (an answer a sender takes as final) in any phase,
 * that the shutdown phase acknowledged some, that every acknowledged webhook has its order at the stand-in
 * (the same order id), that the app logged "Graceful shutdown complete", and that neither the secret nor the
 * token is in the app's logs. One "FAIL: ..." line per failed assertion and exit 1; the summary lines go to
 * stdout and to summary.txt of {@code --out}, beside app-sustained.log, app-shutdown.log, acked-*.txt,
 * acked.txt, orders.txt and rss.txt. Every child process is stopped however the run ends.
 */
@Command(name = "reliability", mixinStandardHelpOptions = true,
		description = "Sustained load, RSS and graceful shutdown under load of the app, against the Orders API stand-in.")
public final class Reliability implements Callable<Integer> {

	static final String GRACEFUL = "Graceful shutdown complete";

	@Spec
	CommandSpec spec;

	@Mixin
	SignedSampleOptions signed;

	@Option(names = "--token", required = true, description = "the Orders API stand-in's bearer token (test-only)")
	String token;

	@Option(names = "--smoke", description = "a few seconds of each phase; the full run is the default")
	boolean smoke;

	// The full rate is one a shared 2-core development machine held with zero errors while other builds ran
	// on it (docs/reliability.md); a machine of one's own takes more.
	@Option(names = "--rate", description = "webhooks per second (default 20)")
	Integer rate;

	@Option(names = "--warmup", description = "seconds of warm-up (default 20, --smoke 5)")
	Integer warmup;

	@Option(names = "--seconds", description = "seconds of sustained load (default 60, --smoke 8)")
	Integer seconds;

	@Option(names = "--before-term", description = "seconds of load before SIGTERM (default 10, --smoke 3)")
	Integer beforeTerm;

	@Option(names = "--rss-growth-pct", defaultValue = "25",
			description = "RSS growth after the warm-up allowed, percent (default ${DEFAULT-VALUE})")
	int rssGrowthPct;

	@Option(names = "--out", defaultValue = "functions/target/reliability",
			description = "results folder (default ${DEFAULT-VALUE})")
	Path out;

	@Option(names = "--app-port", defaultValue = "23080", description = "the app's port (default ${DEFAULT-VALUE})")
	int appPort;

	@Option(names = "--standin-port", defaultValue = "23081",
			description = "the stand-in's port, 0 for any free one (default ${DEFAULT-VALUE})")
	int standinPort;

	@Option(names = "--jar", defaultValue = "functions/target/functions.jar",
			description = "the app: java -Xmx256m -jar JAR (default ${DEFAULT-VALUE})")
	Path jar;

	@Option(names = "--app", description = "the app's launch command instead of --jar's (run as bash -c 'exec COMMAND')")
	String app;

	@Option(names = "--ready-timeout", defaultValue = "180s", converter = DurationConverter.class,
			description = "longest wait for the app's readiness (default ${DEFAULT-VALUE})")
	Duration readyTimeout;

	private final List<Process> children = new CopyOnWriteArrayList<>();

	private final List<String> failures = new ArrayList<>();

	private PrintWriter stdout;

	private Path summaryFile;

	@Override
	public Integer call() throws Exception {
		int rate = (this.rate != null) ? this.rate : 20;
		int warmup = (this.warmup != null) ? this.warmup : this.smoke ? 5 : 20;
		int seconds = (this.seconds != null) ? this.seconds : this.smoke ? 8 : 60;
		int beforeTerm = (this.beforeTerm != null) ? this.beforeTerm : this.smoke ? 3 : 10;
		if (rate <= 0 || warmup < 0 || seconds < 0 || beforeTerm < 0) {
			throw new IllegalArgumentException("--rate must be positive, the seconds not negative");
		}
		String mode = this.smoke ? "smoke" : "full";
		this.stdout = this.spec.commandLine().getOut();
		Files.createDirectories(this.out);
		try (DirectoryStream<Path> old = Files.newDirectoryStream(this.out, "*.{txt,log}")) {
			for (Path file : old) {
				Files.delete(file);
			}
		}
		this.summaryFile = this.out.resolve("summary.txt");
		Files.createFile(this.summaryFile);
		Webhooks webhooks = new Webhooks(this.signed.secret());
		SampleWebhook sample = this.signed.sample();

		// However the run ends, also by a signal to this JVM: no app is left running.
		Thread stopChildren = new Thread(this::stopChildren, "reliability-stop-children");
		Runtime.getRuntime().addShutdownHook(stopChildren);
		StandInServer standInServer = null;
		try {
			OrdersApiStandIn standIn = new OrdersApiStandIn(this.token);
			standInServer = StandInServer.serve("127.0.0.1", this.standinPort, Duration.ofMillis(5), standIn);
			String standInUrl = "http://127.0.0.1:" + standInServer.port();
			URI webhookUrl = URI.create("http://127.0.0.1:" + this.appPort + "/orderWebhook");
			List<LoadClient.Summary> runs = new ArrayList<>();

			// Phase 1: sustained load, zero errors, RSS flat after warm-up.
			Process app = startApp(this.out.resolve("app-sustained.log"), standInUrl);
			List<Long> rss = new CopyOnWriteArrayList<>();
			ScheduledExecutorService sampler = sampleRss(app, rss, this.out.resolve("rss.txt"));
			LoadClient.Summary warm;
			LoadClient.Summary sustained;
			long warmRss;
			long endRss;
			long maxRss;
			try {
				warm = load(webhookUrl, rate, warmup, rate * warmup, "warm-up", false, webhooks, sample);
				runs.add(warm);
				warmRss = ColdStart.rssKib(app.toHandle());
				int warmSamples = rss.size();
				sustained = load(webhookUrl, rate, seconds, rate * seconds, "sustained", false, webhooks, sample);
				runs.add(sustained);
				endRss = ColdStart.rssKib(app.toHandle());
				List<Long> after = List.copyOf(rss);
				maxRss = after.subList(Math.min(warmSamples, after.size()), after.size()).stream()
					.mapToLong(Long::longValue).max().orElse(0);
				Processes.stop(app, Duration.ofSeconds(120));
			}
			finally {
				sampler.shutdownNow();
			}
			long limit = warmRss + warmRss * this.rssGrowthPct / 100;
			report("rss: after warm-up %d kB, at the end %d kB, highest after warm-up %d kB, bound %d kB (+%d%%)",
					warmRss, endRss, maxRss, limit, this.rssGrowthPct);
			if (warm.errors() != 0 || sustained.errors() != 0) {
				fail("%d errors in the warm-up, %d under sustained load", warm.errors(), sustained.errors());
			}
			if (maxRss > limit) {
				fail("RSS grew beyond the bound");
			}

			// Phase 2: SIGTERM in the middle of load; every 200 must have its order at the stand-in.
			app = startApp(this.out.resolve("app-shutdown.log"), standInUrl);
			int ordersBefore = standIn.orders().size();
			int max = rate * (beforeTerm + 60);
			// On a thread of its own: the HttpClient completes its answers in the common pool, whose one worker
			// (on 2 cores) the client's loop would block.
			FutureTask<LoadClient.Summary> client = new FutureTask<>(
					() -> load(webhookUrl, rate, beforeTerm, max, "shutdown", true, webhooks, sample));
			Thread clientThread = new Thread(client, "reliability-shutdown-load");
			clientThread.setDaemon(true);
			clientThread.start();
			// SIGTERM once the stand-in has taken about beforeTerm seconds' worth of this phase's orders at half
			// the rate, so that the shutdown really falls in the middle of load.
			int target = ordersBefore + rate * beforeTerm / 2;
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (standIn.orders().size() < target && System.nanoTime() < deadline && !client.isDone()
					&& app.isAlive()) {
				Thread.sleep(200);
			}
			int atTerm = standIn.orders().size();
			long termAt = System.nanoTime();
			int exit = Processes.stop(app, Duration.ofSeconds(120));
			report("shutdown: SIGTERM after %d orders of this phase, the app exited with %d after %.1f s",
					atTerm - ordersBefore, exit, (System.nanoTime() - termAt) / 1e9);
			LoadClient.Summary shutdown;
			try {
				shutdown = client.get();
			}
			catch (ExecutionException ex) {
				throw new IllegalStateException("the shutdown phase's load failed: " + ex.getCause().getMessage(),
						ex.getCause());
			}
			runs.add(shutdown);
			report("%s", shutdown.line());

			List<OrdersApiStandIn.Order> received = standIn.orders();
			Files.write(this.out.resolve("orders.txt"),
					received.stream().map(order -> order.idempotencyKey() + " " + order.id()).sorted().toList());
			Map<String, String> orderIds = new TreeMap<>();
			received.forEach(order -> orderIds.put(order.idempotencyKey(), order.id()));
			List<String> acked = runs.stream().flatMap(run -> run.acked().stream()).sorted().toList();
			Files.write(this.out.resolve("acked.txt"), acked);
			long lost = 0;
			long mismatched = 0;
			for (String line : acked) {
				String[] idAndOrder = line.split(" ", 2);
				String orderId = orderIds.get(idAndOrder[0]);
				if (orderId == null) {
					lost++;
				}
				else if (!orderId.equals(idAndOrder[1])) {
					mismatched++;
				}
			}
			report("orders: acknowledged %d, at the stand-in %d, acknowledged without order %d, order id differs %d",
					acked.size(), received.size(), lost, mismatched);
			// Every webhook here meets the contract: an answer a sender takes as final (a 4xx but 408, 409, 429)
			// loses its order, in any phase, the shutdown included. Retryable answers (503, refused connections)
			// are allowed during the shutdown: the sender delivers again.
			int finals = runs.stream().mapToInt(LoadClient.Summary::finals).sum();
			if (finals > 0) {
				fail("%d valid webhook(s) refused for good (see the outcomes above): lost", finals);
			}
			if (shutdown.ok() == 0) {
				fail("no webhook was acknowledged in the shutdown phase: the shutdown was not under load");
			}
			if (lost > 0 || mismatched > 0) {
				fail("acknowledged webhooks without their order");
			}
			Path shutdownLog = this.out.resolve("app-shutdown.log");
			if (!Files.readString(shutdownLog, StandardCharsets.ISO_8859_1).contains(GRACEFUL)) {
				fail("no '%s' in %s", GRACEFUL, shutdownLog);
			}
			String key = this.signed.secret().substring("whsec_".length());
			for (String log : List.of("app-sustained.log", "app-shutdown.log")) {
				String text = Files.readString(this.out.resolve(log), StandardCharsets.ISO_8859_1);
				if (text.contains(this.token) || text.contains(key)) {
					fail("a secret or token appears in the application log");
					break;
				}
			}
		}
		finally {
			stopChildren();
			if (standInServer != null) {
				standInServer.close();
			}
			try {
				Runtime.getRuntime().removeShutdownHook(stopChildren);
			}
			catch (IllegalStateException shuttingDown) {
				// the hook runs anyway
			}
		}
		if (!this.failures.isEmpty()) {
			this.spec.commandLine().getErr().println("load (" + mode + "): FAILED, see " + this.out);
			return 1;
		}
		this.stdout.println("load (" + mode + "): passed, figures in " + this.summaryFile);
		this.stdout.flush();
		return 0;
	}

	private LoadClient.Summary load(URI url, int rate, int seconds, int max, String label, boolean untilGone,
			Webhooks webhooks, SampleWebhook sample) throws Exception {
		String file = "acked-" + (label.equals("warm-up") ? "warmup" : label) + ".txt";
		LoadClient.Summary summary = LoadClient.send(new LoadClient.Run(url, rate, seconds, max, 64, untilGone,
				this.out.resolve(file), label), webhooks, sample);
		if (!untilGone) {
			report("%s", summary.line());
		}
		return summary;
	}

	/** Starts the app, its output to {@code log}, and waits for its readiness. */
	private Process startApp(Path log, String standInUrl) throws IOException, InterruptedException {
		List<String> command = (this.app != null) ? List.of("bash", "-c", "exec " + this.app)
				: List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
						this.jar.toString());
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.redirectInput(new File("/dev/null"));
		Map<String, String> env = builder.environment();
		env.put("SERVER_PORT", Integer.toString(this.appPort));
		env.put("SPRING_CLOUD_FUNCTION_DEFINITION", "orderWebhook;mapOrder");
		env.put("INTEGRATION_CUSTOMER_KEY", "mueller");
		env.put("INTEGRATION_WEBHOOK_SECRETS", this.signed.secret());
		env.put("INTEGRATION_ORDERSAPI_BASEURL", standInUrl);
		env.put("INTEGRATION_ORDERSAPI_TOKEN", this.token);
		env.put("INTEGRATION_SECRETS_DIR", "/nonexistent/");
		Process process = builder.start();
		this.children.add(process);
		URI readiness = URI.create("http://127.0.0.1:" + this.appPort + "/actuator/health/readiness");
		long deadline = System.nanoTime() + this.readyTimeout.toNanos();
		try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
			while (true) {
				if (!process.isAlive() || System.nanoTime() > deadline) {
					throw new IllegalStateException("not ready after " + this.readyTimeout.toSeconds() + " s or exited: "
							+ readiness + " (log: " + log + ")");
				}
				try {
					HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(readiness)
						.timeout(Duration.ofSeconds(5))
						.build(), HttpResponse.BodyHandlers.discarding());
					if (answer.statusCode() / 100 == 2) {
						return process;
					}
				}
				catch (IOException notYet) {
					// not listening yet
				}
				Thread.sleep(500);
			}
		}
	}

	/** One "seconds rss_kB" line a second to {@code file} while the process lives. */
	private static ScheduledExecutorService sampleRss(Process process, List<Long> samples, Path file) throws IOException {
		Files.createFile(file);
		ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(task -> {
			Thread thread = new Thread(task, "reliability-rss");
			thread.setDaemon(true);
			return thread;
		});
		AtomicInteger second = new AtomicInteger();
		sampler.scheduleAtFixedRate(() -> {
			if (!process.isAlive()) {
				return;
			}
			long kib = ColdStart.rssKib(process.toHandle());
			samples.add(kib);
			try {
				Files.writeString(file, second.getAndIncrement() + " " + kib + "\n", StandardOpenOption.APPEND);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}, 0, 1, TimeUnit.SECONDS);
		return sampler;
	}

	private void stopChildren() {
		for (Process process : this.children) {
			try {
				Processes.stop(process, Duration.ofSeconds(30));
			}
			catch (InterruptedException ex) {
				process.destroyForcibly();
				Thread.currentThread().interrupt();
			}
		}
	}

	private void fail(String format, Object... args) throws IOException {
		this.failures.add(String.format(Locale.ROOT, format, args));
		report("FAIL: " + format, args);
	}

	/** A line to stdout and to summary.txt. */
	private void report(String format, Object... args) throws IOException {
		String line = String.format(Locale.ROOT, format, args);
		this.stdout.println(line);
		this.stdout.flush();
		Files.writeString(this.summaryFile, line + "\n", StandardOpenOption.APPEND);
	}

}
