package com.acme.integration.testkit.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

import com.acme.integration.testkit.DurationConverter;
import com.acme.integration.testkit.Processes;
import com.acme.integration.testkit.SignedSampleOptions;

/**
 * The cold-start measurement of scripts/bench/coldstart.sh: launches each variant in turn ({@code bash -c exec
 * COMMAND}), round after round in a rotating order, and takes the time from launch to the first 200 for a
 * signed webhook and the resident set size (process and descendants) right after it; then stops it with
 * SIGTERM. Writes coldstart-runs.csv (every run), coldstart.json and coldstart.csv (median, min, max per
 * variant) to {@code --out} and prints a table.
 */
@Command(name = "coldstart", mixinStandardHelpOptions = true,
		description = "Time launch -> first 200 of each variant, in alternating rounds.")
public final class ColdStart implements Callable<Integer> {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Spec
	CommandSpec spec;

	@Option(names = "--url", required = true, description = "orderWebhook's URL once a variant is up")
	URI url;

	@Mixin
	SignedSampleOptions signed;

	@Option(names = "--out", required = true, description = "results folder")
	Path out;

	@Option(names = "--runs", defaultValue = "5", description = "rounds (default ${DEFAULT-VALUE})")
	int runs;

	@Option(names = "--timeout", defaultValue = "180s", converter = DurationConverter.class,
			description = "longest wait for a first 200 (default ${DEFAULT-VALUE})")
	Duration timeout;

	@Option(names = "--poll", defaultValue = "10ms", converter = DurationConverter.class,
			description = "pause between attempts (default ${DEFAULT-VALUE})")
	Duration poll;

	@Option(names = "--pause", defaultValue = "1s", converter = DurationConverter.class,
			description = "pause between launches (default ${DEFAULT-VALUE})")
	Duration pause;

	@Option(names = "--variant", required = true, description = "NAME|LABEL|COMMAND, in order", paramLabel = "SPEC")
	List<String> variantSpecs;

	record Variant(String name, String label, String command) {

		static Variant parse(String spec) {
			String[] parts = spec.split("\\|", 3);
			if (parts.length != 3 || parts[0].isBlank() || parts[2].isBlank()) {
				throw new IllegalArgumentException("a variant is NAME|LABEL|COMMAND: " + spec);
			}
			return new Variant(parts[0], parts[1], parts[2]);
		}

	}

	record Run(String variant, int round, double seconds, double rssMib) {
	}

	@Override
	public Integer call() throws Exception {
		PrintWriter stdout = this.spec.commandLine().getOut();
		List<Variant> variants = this.variantSpecs.stream().map(Variant::parse).toList();
		SignedPost post = new SignedPost(this.signed.secret(), this.signed.sample(), "cold");
		Files.createDirectories(this.out.resolve("logs"));
		warmUp(post);
		List<Run> runs = new ArrayList<>();
		for (int round = 1; round <= this.runs; round++) {
			// Rotate the order every round so no variant always runs first (or right after another).
			int shift = (round - 1) % variants.size();
			List<Variant> order = Stream.concat(variants.subList(shift, variants.size()).stream(),
					variants.subList(0, shift).stream()).toList();
			for (Variant variant : order) {
				Path log = this.out.resolve("logs").resolve(variant.name() + "-" + round + ".log");
				Run run = oneStart(variant, round, post, log, stdout);
				runs.add(run);
				Thread.sleep(this.pause);
			}
		}
		write(variants, runs, stdout);
		return 0;
	}

	/** One request cycle of this JVM's HTTP client before the first measured launch: its start-up is not the app's. */
	private void warmUp(SignedPost post) throws IOException, InterruptedException {
		HttpServer server = Floor.start(0);
		try (HttpClient client = SignedPost.client()) {
			post.post(client, URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), 0);
		}
		finally {
			server.stop(0);
		}
	}

	private Run oneStart(Variant variant, int round, SignedPost post, Path log, PrintWriter stdout)
			throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder("bash", "-c", "exec " + variant.command())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.redirectInput(new File("/dev/null"));
		long started = System.nanoTime();
		Process process = builder.start();
		try (HttpClient client = SignedPost.client()) {
			long seq = 0;
			while (true) {
				if (!process.isAlive()) {
					throw new IllegalStateException(variant.name() + " exited with " + process.exitValue()
							+ " before its first 200 (log: " + log + ")");
				}
				if (System.nanoTime() - started > this.timeout.toNanos()) {
					throw new IllegalStateException(variant.name() + " gave no 200 within " + this.timeout + " (log: " + log + ")");
				}
				SignedPost.Answer answer = post.post(client, this.url, ++seq);
				if (answer.status() == 200) {
					double seconds = (System.nanoTime() - started) / 1e9;
					double rssMib = rssKib(process.toHandle()) / 1024.0;
					stdout.printf(Locale.ROOT, "  round %d %-14s %7.3f s  rss %6.1f MiB  %.80s%n", round, variant.name(),
							seconds, rssMib, answer.body());
					stdout.flush();
					return new Run(variant.name(), round, Math.round(seconds * 1000) / 1000.0,
							Math.round(rssMib * 10) / 10.0);
				}
				if (answer.status() != -1 && answer.status() != 404 && answer.status() != 503) {
					throw new IllegalStateException(variant.name() + " answered " + answer.status() + ": "
							+ answer.body().substring(0, Math.min(300, answer.body().length())) + " (log: " + log + ")");
				}
				// Not listening yet, or Tomcat accepting before the dispatcher is ready: ask again.
				Thread.sleep(this.poll);
			}
		}
		finally {
			Processes.stop(process, Duration.ofSeconds(30));
		}
	}

	/** The resident set size of a process and its descendants (VmRSS of /proc/PID/status), in KiB; 0 for one gone. */
	public static long rssKib(ProcessHandle process) {
		return Stream.concat(Stream.of(process), process.descendants()).mapToLong(handle -> {
			try {
				return Files.readAllLines(Path.of("/proc", Long.toString(handle.pid()), "status"))
					.stream()
					.filter(line -> line.startsWith("VmRSS:"))
					.mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
					.sum();
			}
			catch (IOException gone) {
				return 0;
			}
		}).sum();
	}

	private void write(List<Variant> variants, List<Run> runs, PrintWriter stdout) throws IOException {
		List<String> lines = new ArrayList<>(List.of("variant,run,seconds,rss_mib"));
		runs.forEach(run -> lines.add(run.variant() + "," + run.round() + "," + run.seconds() + "," + run.rssMib()));
		Files.write(this.out.resolve("coldstart-runs.csv"), lines, StandardCharsets.UTF_8);

		List<Map<String, Object>> summary = new ArrayList<>();
		List<String> csv = new ArrayList<>(List.of("variant,label,median_s,min_s,max_s,runs,rss_median_mib"));
		stdout.printf("%n%-14s %9s %7s %7s %8s  what%n", "variant", "median s", "min s", "max s", "RSS MiB");
		for (Variant variant : variants) {
			List<Double> seconds = runs.stream().filter(r -> r.variant().equals(variant.name())).map(Run::seconds).toList();
			List<Double> rss = runs.stream().filter(r -> r.variant().equals(variant.name())).map(Run::rssMib).toList();
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("variant", variant.name());
			entry.put("label", variant.label());
			entry.put("command", variant.command());
			entry.put("seconds", figures(seconds));
			entry.put("rss_mib", figures(rss));
			summary.add(entry);
			csv.add(String.join(",", variant.name(), quoted(variant.label()), String.valueOf(median(seconds)),
					String.valueOf(min(seconds)), String.valueOf(max(seconds)), String.valueOf(seconds.size()),
					String.valueOf(median(rss))));
			stdout.printf(Locale.ROOT, "%-14s %9.3f %7.3f %7.3f %8.1f  %s%n", variant.name(), median(seconds),
					min(seconds), max(seconds), median(rss), variant.label());
		}
		stdout.flush();
		Files.write(this.out.resolve("coldstart.csv"), csv, StandardCharsets.UTF_8);
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("runs", this.runs);
		json.put("variants", summary);
		JSON.writerWithDefaultPrettyPrinter().writeValue(this.out.resolve("coldstart.json").toFile(), json);
		ratios(runs).forEach(stdout::println);
		stdout.flush();
	}

	/**
	 * The ratio lines: {@code coldstart_ratio} (median B / median A) and {@code peer_coldstart_ratio} (median
	 * B / median peer), with the RSS of B against the peer's.
	 */
	static List<String> ratios(List<Run> runs) {
		Map<String, Double> seconds = new LinkedHashMap<>();
		Map<String, Double> rss = new LinkedHashMap<>();
		for (String name : runs.stream().map(Run::variant).distinct().toList()) {
			List<Run> of = runs.stream().filter(run -> run.variant().equals(name)).toList();
			seconds.put(name, median(of.stream().map(Run::seconds).toList()));
			rss.put(name, median(of.stream().map(Run::rssMib).toList()));
		}
		List<String> lines = new ArrayList<>();
		if (seconds.containsKey("B") && seconds.containsKey("peer")) {
			lines.add(String.format(Locale.ROOT, "B against the peer: RSS after the first response %.0f MiB against %.0f MiB (%.2fx)",
					rss.get("B"), rss.get("peer"), rss.get("B") / rss.get("peer")));
		}
		lines.add("coldstart_ratio=" + (seconds.containsKey("A") && seconds.containsKey("B")
				? String.format(Locale.ROOT, "%.3f", seconds.get("B") / seconds.get("A"))
				: "n/a (A and B were not both measured)"));
		lines.add("peer_coldstart_ratio=" + (seconds.containsKey("B") && seconds.containsKey("peer")
				? String.format(Locale.ROOT, "%.3f", seconds.get("B") / seconds.get("peer"))
				: "n/a (B and peer were not both measured)"));
		return lines;
	}

	private static Map<String, Object> figures(List<Double> values) {
		Map<String, Object> figures = new LinkedHashMap<>();
		figures.put("median", median(values));
		figures.put("min", min(values));
		figures.put("max", max(values));
		figures.put("n", values.size());
		return figures;
	}

	/** The median as Python's statistics.median has it: the mean of the middle two for an even count. */
	static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	static double min(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
	}

	private static double max(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
	}

	private static String quoted(String csvField) {
		return (csvField.contains(",") || csvField.contains("\"")) ? "\"" + csvField.replace("\"", "\"\"") + "\"" : csvField;
	}

}
