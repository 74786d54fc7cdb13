package com.acme.integration.testkit.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

import com.acme.integration.testkit.DurationConverter;
import com.acme.integration.testkit.SignedSampleOptions;

/**
 * The throughput measurement of scripts/bench/throughput.sh, against servers the script started: wrk POSTs
 * pre-signed webhooks (bench/post-webhooks.lua of this jar, a new webhook id for every request) to the stand-in
 * alone (the ceiling), then to every variant at every concurrency, round after round, each round in a rotating
 * order. Each run records wrk's figures, the CPU the variant's process used per request and the CPU wrk and the
 * stand-in used; a non-2xx answer or a socket error fails the benchmark. Writes runs.csv (every run),
 * points.csv (per variant and concurrency: the median requests/s, with the latencies of the run that had it)
 * and throughput.json to {@code --out}, prints a table, and last the ratios, each the median of per-round
 * ratios (both variants measured seconds apart): {@code throughput_ratio} (function / plain-mvc at the highest
 * concurrency), {@code peer_throughput_ratio} and {@code peer_cpu_ratio} (function / peer requests/s and peer /
 * function CPU per request, the lower of 16 and 64 connections).
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
		description = "Measure requests/s, latency and CPU per request of running servers with wrk, in alternating rounds.")
public final class Throughput implements Callable<Integer> {

	static final List<String> RUN_FIELDS = List.of("variant", "round", "connections", "requests", "requests_per_s",
			"p50_ms", "p90_ms", "p99_ms", "max_ms", "non2xx", "socket_errors", "wrapped", "app_cpu_ms_per_request",
			"load_cpu_pct", "upstream_cpu_pct");

	static final List<String> POINT_FIELDS = List.of("variant", "connections", "rounds", "requests", "requests_per_s",
			"p50_ms", "p90_ms", "p99_ms", "max_ms", "non2xx", "socket_errors", "wrapped", "app_cpu_ms_per_request",
			"load_cpu_pct", "upstream_cpu_pct", "rss_idle_mib", "rss_after_mib");

	private static final Pattern RESULT_FIELD = Pattern.compile("(\\w+)=([0-9.]+)");

	/** USER_HZ, the unit of /proc/PID/stat's times: 100 on every Linux architecture we run on. */
	private static final long CLOCK_TICKS_PER_SECOND = 100;

	@Spec
	CommandSpec spec;

	@Option(names = "--variant", required = true, paramLabel = "SPEC",
			description = "NAME|LABEL|URL|PID of a running server, in order")
	List<String> variantSpecs;

	@Option(names = "--ceiling", required = true, paramLabel = "URL|PID",
			description = "the Orders API stand-in's orders URL and its process: measured alone first, and its CPU in every run")
	String ceilingSpec;

	@Option(names = "--connections", split = ",", defaultValue = "4,16,64", description = "default ${DEFAULT-VALUE}")
	List<Integer> connections;

	@Option(names = "--duration", defaultValue = "10s", converter = DurationConverter.class,
			description = "per run (default ${DEFAULT-VALUE})")
	Duration duration;

	@Option(names = "--warmup", defaultValue = "20s", converter = DurationConverter.class,
			description = "per variant, at the highest concurrency (default ${DEFAULT-VALUE})")
	Duration warmup;

	@Option(names = "--rounds", defaultValue = "3", description = "default ${DEFAULT-VALUE}")
	int rounds;

	@Option(names = "--max-rate", defaultValue = "4000",
			description = "requests/s a variant may reach: unique webhooks are signed for that many (default ${DEFAULT-VALUE})")
	int maxRate;

	@Option(names = "--load-cpus", description = "taskset CPU list for wrk (default: not pinned)")
	String loadCpus;

	@Mixin
	SignedSampleOptions signed;

	@Option(names = "--out", required = true, description = "results folder")
	Path out;

	@Option(names = "--profile", description = "record JFR (CPU-time samples, contention) in every JVM variant over the measured runs and print its hottest methods and contended monitors")
	boolean profile;

	/** RSS in MiB per variant, before the warm-up and after the last run. */
	private final Map<String, String> rssIdle = new LinkedHashMap<>();

	private final Map<String, String> rssAfter = new LinkedHashMap<>();

	record Server(String name, String label, String url, long pid) {

		static Server parse(String spec) {
			String[] parts = spec.split("\\|");
			if (parts.length != 4 || parts[0].isBlank() || !parts[3].matches("[0-9]+")) {
				throw new IllegalArgumentException("a variant is NAME|LABEL|URL|PID: " + spec);
			}
			return new Server(parts[0], parts[1], parts[2], Long.parseLong(parts[3]));
		}

	}

	/** One run or one point: the values by {@link #RUN_FIELDS} or {@link #POINT_FIELDS} name, as written. */
	record Run(Map<String, String> values) {

		String get(String field) {
			return this.values.getOrDefault(field, "");
		}

		double number(String field) {
			return Double.parseDouble(get(field));
		}

	}

	@Override
	public Integer call() throws Exception {
		PrintWriter out = this.spec.commandLine().getOut();
		PrintWriter err = this.spec.commandLine().getErr();
		List<Server> variants = this.variantSpecs.stream().map(Server::parse).toList();
		String[] ceilingParts = this.ceilingSpec.split("\\|");
		if (ceilingParts.length != 2 || !ceilingParts[1].matches("[0-9]+")) {
			throw new IllegalArgumentException("--ceiling is URL|PID: " + this.ceilingSpec);
		}
		Server ceiling = new Server("ceiling", "stand-in alone (ceiling)", ceilingParts[0], Long.parseLong(ceilingParts[1]));
		Path work = Files.createDirectories(this.out.resolve("work"));
		Path script = work.resolve("post-webhooks.lua");
		try (var lua = Throughput.class.getResourceAsStream("/bench/post-webhooks.lua")) {
			Files.copy(Objects.requireNonNull(lua, "bench/post-webhooks.lua"), script, StandardCopyOption.REPLACE_EXISTING);
		}
		SignedPost signer = new SignedPost(this.signed.secret(), this.signed.sample(), "t");
		List<Run> runs = new ArrayList<>();
		try {
			measure(signer, script, ceiling, variants, runs, err);
		}
		finally {
			// Also after a failed run: the runs before it are kept.
			writeCsv(this.out.resolve("runs.csv"), RUN_FIELDS, runs);
		}
		List<Run> points = medians(runs, this.rssIdle, this.rssAfter);
		writeCsv(this.out.resolve("points.csv"), POINT_FIELDS, points);
		Map<String, String> labels = new LinkedHashMap<>();
		labels.put(ceiling.name(), ceiling.label());
		variants.forEach(v -> labels.put(v.name(), v.label()));
		writeJson(this.out.resolve("throughput.json"), points, labels);
		table(points).forEach(out::println);
		ratios(runs, this.connections.getLast(), err).forEach(out::println);
		return 0;
	}

	private void measure(SignedPost signer, Path script, Server ceiling, List<Server> variants, List<Run> runs,
			PrintWriter err) throws IOException, InterruptedException {
		int top = this.connections.getLast();
		log(err, "ceiling: the stand-in alone");
		wrk(signer, script, ceiling, ceiling, top, this.warmup, "ceiling-warmup");
		for (int c : this.connections) {
			record(err, 1, wrk(signer, script, ceiling, ceiling, c, this.duration, "ceiling"), runs);
		}
		for (Server variant : variants) {
			this.rssIdle.put(variant.name(), Long.toString(rssMib(variant.pid())));
		}
		for (Server variant : variants) {
			log(err, variant.name() + ": warm-up " + this.warmup.toSeconds() + "s");
			wrk(signer, script, variant, ceiling, top, this.warmup, variant.name() + "-warmup");
		}
		List<Server> profiled = this.profile ? variants.stream().filter(v -> isJvm(v.pid())).toList() : List.of();
		for (Server variant : profiled) {
			// Started now rather than on the command line: JFR there adds a module to the boot layer, and the
			// JVM refuses an AOT cache recorded without it.
			tool("jcmd", Long.toString(variant.pid()), "JFR.start", "name=bench", "settings=profile",
					"jdk.CPUTimeSample#enabled=true", "jdk.CPUTimeSample#throttle=1ms");
		}
		for (int c : this.connections) {
			for (int round = 1; round <= this.rounds; round++) {
				for (int i = 0; i < variants.size(); i++) {
					Server variant = variants.get((i + round - 1) % variants.size());
					record(err, round, wrk(signer, script, variant, ceiling, c, this.duration, variant.name() + "-r" + round),
							runs);
				}
			}
		}
		for (Server variant : profiled) {
			Path recording = this.out.resolve(variant.name() + ".jfr");
			tool("jcmd", Long.toString(variant.pid()), "JFR.dump", "name=bench", "filename=" + recording);
			for (String view : List.of("cpu-time-hot-methods", "contention-by-site")) {
				err.println("[bench] " + variant.name() + ": " + view + " (" + recording + ")");
				tool("jfr", "view", "--width", "160", view, recording.toString()).lines().limit(28).forEach(err::println);
			}
		}
		for (Server variant : variants) {
			this.rssAfter.put(variant.name(), Long.toString(rssMib(variant.pid())));
		}
	}

	/** One wrk run against {@code target} with fresh signatures (timestamps must stay within the tolerance). */
	private Run wrk(SignedPost signer, Path script, Server target, Server ceiling, int connections, Duration length, String name)
			throws IOException, InterruptedException {
		long seconds = Math.max(1, length.toSeconds());
		// The stand-in alone runs far faster than the app (and does not look at the ids).
		long rate = target == ceiling ? this.maxRate * 5L : this.maxRate;
		int threads = connections >= 8 ? 2 : 1;
		Path requests = this.out.resolve("work").resolve("requests.tsv");
		writeRequests(signer, seconds * rate + 1000, requests);
		Path output = this.out.resolve("wrk-" + name + "-c" + connections + ".txt");
		List<String> command = new ArrayList<>();
		if (this.loadCpus != null) {
			command.addAll(List.of("taskset", "-c", this.loadCpus));
		}
		command.addAll(List.of("wrk", "-t", Integer.toString(threads), "-c", Integer.toString(connections), "-d",
				seconds + "s", "--timeout", "30s", "--latency", "-s", script.toString(), target.url(), "--",
				requests.toString(), Integer.toString(threads)));
		long app = cpuTicks(target.pid());
		long upstream = cpuTicks(ceiling.pid());
		// wrk's CPU: what this JVM's waited-for children used (cutime + cstime of /proc/self/stat).
		long load = childTicks();
		Process wrk = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
		if (wrk.waitFor() != 0) {
			throw new IllegalStateException("wrk failed (see " + output + ")");
		}
		load = childTicks() - load;
		app = cpuTicks(target.pid()) - app;
		upstream = cpuTicks(ceiling.pid()) - upstream;
		String text = Files.readString(output);
		String result = text.lines().filter(line -> line.startsWith("RESULT ")).findFirst()
			.orElseThrow(() -> new IllegalStateException("wrk printed no RESULT (see " + output + ")"));
		Map<String, String> values = new LinkedHashMap<>();
		values.put("variant", target.name());
		values.put("connections", Integer.toString(connections));
		Matcher field = RESULT_FIELD.matcher(result);
		while (field.find()) {
			values.put(field.group(1), field.group(2));
		}
		long served = Long.parseLong(values.get("requests"));
		values.put("app_cpu_ms_per_request",
				format("%.3f", served > 0 ? app * 1000.0 / CLOCK_TICKS_PER_SECOND / served : 0));
		values.put("load_cpu_pct", format("%.1f", load * 100.0 / CLOCK_TICKS_PER_SECOND / seconds));
		values.put("upstream_cpu_pct", format("%.1f", upstream * 100.0 / CLOCK_TICKS_PER_SECOND / seconds));
		text.lines().filter(line -> line.startsWith("FIRST_NON2XX")).findFirst()
			.ifPresent(line -> values.put("first_non2xx", line));
		return new Run(values);
	}

	/** Adds the run to the runs, then fails on a non-2xx answer or a socket error. */
	private static void record(PrintWriter err, int round, Run run, List<Run> runs) {
		run.values().put("round", Integer.toString(round));
		runs.add(run);
		String name = run.get("variant") + " c=" + run.get("connections");
		log(err, name + " round " + round + ": " + run.get("requests_per_s") + " req/s, p50 " + run.get("p50_ms")
				+ " ms, p99 " + run.get("p99_ms") + " ms, non-2xx " + run.get("non2xx") + ", socket errors "
				+ run.get("socket_errors") + ", app CPU " + run.get("app_cpu_ms_per_request") + " ms/request, wrk "
				+ run.get("load_cpu_pct") + " %, stand-in " + run.get("upstream_cpu_pct") + " % of a CPU");
		if (!"0".equals(run.get("non2xx")) || !"0".equals(run.get("socket_errors"))) {
			throw new IllegalStateException(name + ": " + run.get("non2xx") + " non-2xx responses, "
					+ run.get("socket_errors") + " socket errors" + (run.get("first_non2xx").isEmpty() ? ""
							: " (" + run.get("first_non2xx") + ")"));
		}
	}

	/**
	 * Per variant and concurrency, in order of appearance: the median requests/s over the rounds (the lower
	 * median for an even count, so the latencies reported are of a run that happened), summed counts.
	 */
	static List<Run> medians(List<Run> runs, Map<String, String> rssIdle, Map<String, String> rssAfter) {
		Map<String, List<Run>> groups = new LinkedHashMap<>();
		runs.forEach(run -> groups.computeIfAbsent(run.get("variant") + " " + run.get("connections"),
				key -> new ArrayList<>()).add(run));
		List<Run> points = new ArrayList<>();
		for (List<Run> group : groups.values()) {
			List<Run> sorted = group.stream().sorted(Comparator.comparingDouble(run -> run.number("requests_per_s"))).toList();
			Map<String, String> point = new LinkedHashMap<>(sorted.get((sorted.size() - 1) / 2).values());
			point.remove("round");
			point.remove("first_non2xx");
			point.put("rounds", Integer.toString(group.size()));
			point.put("requests_per_s", format("%.1f", ColdStart.median(group.stream().map(run -> run.number("requests_per_s")).toList())));
			for (String sum : List.of("requests", "non2xx", "socket_errors")) {
				point.put(sum, Long.toString(group.stream().mapToLong(run -> (long) run.number(sum)).sum()));
			}
			point.put("rss_idle_mib", rssIdle.getOrDefault(point.get("variant"), ""));
			point.put("rss_after_mib", rssAfter.getOrDefault(point.get("variant"), ""));
			points.add(new Run(point));
		}
		return points;
	}

	/**
	 * Pre-signed webhooks for wrk, whose Lua has no HMAC: one request per line, tab separated: webhook-id,
	 * webhook-timestamp, webhook-signature, body (compact JSON).
	 */
	static void writeRequests(SignedPost signer, long count, Path file) throws IOException {
		try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
			for (long seq = 0; seq < count; seq++) {
				SignedPost.Signed signed = signer.sign(seq);
				writer.write(signed.id() + "\t" + signed.timestamp() + "\t" + signed.signature() + "\t"
						+ new String(signed.body(), StandardCharsets.UTF_8) + "\n");
			}
		}
	}

	/** The ratio lines, last on stdout; what they are made of goes to {@code err}. */
	static List<String> ratios(List<Run> runs, int top, PrintWriter err) {
		List<String> lines = new ArrayList<>();
		List<Double> layer = paired(runs, top, "function", "plain-mvc", (f, p) -> f.number("requests_per_s") / p.number("requests_per_s"));
		if (layer.isEmpty()) {
			lines.add("throughput_ratio=n/a (function and plain-mvc were not both measured)");
		}
		else {
			err.println("[bench] function / plain-mvc per round at " + top + " connections: "
					+ String.join(" ", layer.stream().map(r -> format("%.3f", r)).toList()));
			lines.add("throughput_ratio=" + format("%.3f", ColdStart.median(layer)));
		}
		List<Double> requests = new ArrayList<>();
		List<Double> cpu = new ArrayList<>();
		runs.stream().map(run -> (int) run.number("connections")).distinct().sorted().forEach(c -> {
			List<Double> rps = paired(runs, c, "function", "peer", (f, p) -> f.number("requests_per_s") / p.number("requests_per_s"));
			if (rps.isEmpty()) {
				return;
			}
			double perCore = ColdStart.median(paired(runs, c, "function", "peer",
					(f, p) -> p.number("app_cpu_ms_per_request") / f.number("app_cpu_ms_per_request")));
			double p99 = ColdStart.median(paired(runs, c, "function", "peer", (f, p) -> f.number("p99_ms") / p.number("p99_ms")));
			err.println("[bench] function / peer at " + c + " connections, medians of the per-round ratios: requests/s "
					+ format("%.3f", ColdStart.median(rps)) + ", p99 " + format("%.3f", p99) + ", requests per CPU second "
					+ format("%.3f", perCore));
			if (c == 16 || c == 64) {
				requests.add(ColdStart.median(rps));
				cpu.add(perCore);
			}
		});
		String none = "n/a (function and peer were not both measured at 16 or 64 connections)";
		lines.add("peer_throughput_ratio=" + (requests.isEmpty() ? none : format("%.3f", ColdStart.min(requests))));
		lines.add("peer_cpu_ratio=" + (cpu.isEmpty() ? none : format("%.3f", ColdStart.min(cpu))));
		return lines;
	}

	private static List<Double> paired(List<Run> runs, int connections, String first, String second,
			BiFunction<Run, Run, Double> ratio) {
		Map<String, Map<String, Run>> byRound = new LinkedHashMap<>();
		runs.stream().filter(run -> (int) run.number("connections") == connections)
			.forEach(run -> byRound.computeIfAbsent(run.get("round"), r -> new LinkedHashMap<>()).put(run.get("variant"), run));
		return byRound.values().stream().filter(round -> round.containsKey(first) && round.containsKey(second))
			.map(round -> ratio.apply(round.get(first), round.get(second))).toList();
	}

	static List<String> table(List<Run> points) {
		List<String> lines = new ArrayList<>();
		lines.add(format("%-16s %5s %9s %8s %8s %7s %10s %6s %10s %8s %8s", "variant", "conns", "req/s", "p50 ms",
				"p99 ms", "non-2xx", "CPU ms/req", "wrk %", "stand-in %", "RSS idle", "RSS load"));
		for (Run p : points) {
			lines.add(format("%-16s %5s %9.1f %8.2f %8.2f %7s %10s %6s %10s %8s %8s", p.get("variant"), p.get("connections"),
					p.number("requests_per_s"), p.number("p50_ms"), p.number("p99_ms"), p.get("non2xx"),
					p.get("app_cpu_ms_per_request"), p.get("load_cpu_pct"), p.get("upstream_cpu_pct"),
					p.get("rss_idle_mib"), p.get("rss_after_mib")));
		}
		return lines;
	}

	private static void writeCsv(Path file, List<String> fields, List<Run> rows) throws IOException {
		List<String> lines = new ArrayList<>();
		lines.add(String.join(",", fields));
		rows.forEach(row -> lines.add(String.join(",", fields.stream().map(row::get).toList())));
		Files.write(file, lines, StandardCharsets.UTF_8);
	}

	/** The chart's input (scripts/bench/bench.py chart throughput): one series per variant, numbers as numbers. */
	private static void writeJson(Path file, List<Run> points, Map<String, String> labels) {
		List<Map<String, Object>> series = new ArrayList<>();
		for (Map.Entry<String, String> label : labels.entrySet()) {
			List<Map<String, Object>> values = new ArrayList<>();
			for (Run point : points) {
				if (point.get("variant").equals(label.getKey())) {
					Map<String, Object> value = new LinkedHashMap<>();
					point.values().forEach((k, v) -> value.put(k, k.equals("variant") || v.isEmpty() ? v
							: k.equals("connections") ? Integer.valueOf(v) : Double.valueOf(v)));
					values.add(value);
				}
			}
			series.add(Map.of("variant", label.getKey(), "label", label.getValue(), "points", values));
		}
		JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), Map.of("series", series));
	}

	/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in clock ticks. */
	static long cpuTicks(long pid) {
		return statFields(Path.of("/proc", Long.toString(pid), "stat"), 14, 15);
	}

	private static long childTicks() {
		return statFields(Path.of("/proc/self/stat"), 16, 17);
	}

	private static long statFields(Path stat, int first, int second) {
		try {
			String text = Files.readString(stat);
			// Fields after the command name, which is in parentheses and may hold spaces: field 3 is the first.
			String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
			return Long.parseLong(fields[first - 3]) + Long.parseLong(fields[second - 3]);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read " + stat + " (has the process ended?)", ex);
		}
	}

	private static long rssMib(long pid) {
		return ColdStart.rssKib(ProcessHandle.of(pid)
			.orElseThrow(() -> new IllegalStateException("process " + pid + " has ended"))) / 1024;
	}

	private static boolean isJvm(long pid) {
		return ProcessHandle.of(pid).flatMap(p -> p.info().command()).map(c -> c.endsWith("/java")).orElse(false);
	}

	/** Runs a tool of this JDK (jcmd, jfr) and returns what it printed; fails if it fails. */
	private static String tool(String name, String... args) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", name).toString()));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.waitFor() != 0) {
			throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
		}
		return output;
	}

	private static void log(PrintWriter err, String message) {
		err.printf("[bench %tT] %s%n", System.currentTimeMillis(), message);
	}

	private static String format(String pattern, Object... args) {
		return String.format(Locale.ROOT, pattern, args);
	}

}
