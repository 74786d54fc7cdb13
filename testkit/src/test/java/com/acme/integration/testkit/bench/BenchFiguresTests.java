package com.acme.integration.testkit.bench;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.acme.integration.testkit.bench.Throughput.Run;

import static org.assertj.core.api.Assertions.assertThat;

/** The figures of the throughput and coldstart commands, from runs whose numbers are known. */
class BenchFiguresTests {

	static Run run(String variant, int round, int connections, double rps, double p99, double cpu) {
		Map<String, String> values = new LinkedHashMap<>();
		values.put("variant", variant);
		values.put("round", Integer.toString(round));
		values.put("connections", Integer.toString(connections));
		values.put("requests", Long.toString((long) rps * 10));
		values.put("requests_per_s", Double.toString(rps));
		values.put("p50_ms", "1.0");
		values.put("p99_ms", Double.toString(p99));
		values.put("non2xx", "0");
		values.put("socket_errors", "0");
		values.put("app_cpu_ms_per_request", Double.toString(cpu));
		return new Run(values);
	}

	// function at 64 connections: 100, 300, 200 req/s in rounds 1 to 3; plain-mvc 200, 300, 400.
	static final List<Run> RUNS = List.of(run("function", 1, 64, 100, 9, 1.0), run("plain-mvc", 1, 64, 200, 5, 0.5),
			run("function", 2, 64, 300, 7, 1.0), run("plain-mvc", 2, 64, 300, 5, 0.5),
			run("function", 3, 64, 200, 8, 1.0), run("plain-mvc", 3, 64, 400, 5, 0.5));

	@Test
	void aPointIsTheMedianRunWithItsOwnLatenciesAndTheCountsOfAllRounds() {
		List<Run> points = Throughput.medians(RUNS, Map.of("function", "150"), Map.of("function", "270"));

		assertThat(points).hasSize(2);
		Run function = points.getFirst();
		assertThat(function.get("requests_per_s")).isEqualTo("200.0");
		assertThat(function.get("p99_ms")).as("the round-3 run's").isEqualTo("8.0");
		assertThat(function.get("rounds")).isEqualTo("3");
		assertThat(function.get("requests")).isEqualTo("6000");
		assertThat(function.get("rss_idle_mib") + " " + function.get("rss_after_mib")).isEqualTo("150 270");
		assertThat(points.get(1).get("rss_idle_mib")).isEmpty();
	}

	@Test
	void anEvenNumberOfRoundsReportsTheLatenciesOfTheLowerMiddleRun() {
		List<Run> points = Throughput.medians(RUNS.subList(0, 4), Map.of(), Map.of());

		assertThat(points.getFirst().get("requests_per_s")).isEqualTo("200.0");
		assertThat(points.getFirst().get("p99_ms")).isEqualTo("9.0");
	}

	@Test
	void theRatioIsTheMedianOfThePerRoundRatiosNotTheRatioOfTheMedians() {
		StringWriter err = new StringWriter();

		List<String> lines = Throughput.ratios(RUNS, 64, new PrintWriter(err, true));

		// Rounds: 0.5, 1.0, 0.5 -> 0.5; the medians would give 200 / 300 = 0.667.
		assertThat(lines.getFirst()).isEqualTo("throughput_ratio=0.500");
		assertThat(err.toString()).contains("0.500 1.000 0.500");
		assertThat(lines.subList(1, 3)).allSatisfy(line -> assertThat(line).contains("=n/a"));
	}

	@Test
	void againstThePeerTheLowerOf16And64ConnectionsIsTheFigure() {
		List<Run> runs = List.of(run("function", 1, 4, 100, 1, 1.0), run("peer", 1, 4, 10, 1, 9.0),
				run("function", 1, 16, 300, 2, 0.5), run("peer", 1, 16, 100, 4, 1.0),
				run("function", 1, 64, 200, 4, 0.5), run("peer", 1, 64, 100, 8, 1.5));
		StringWriter err = new StringWriter();

		List<String> lines = Throughput.ratios(runs, 64, new PrintWriter(err, true));

		assertThat(lines).containsExactly("throughput_ratio=n/a (function and plain-mvc were not both measured)",
				"peer_throughput_ratio=2.000", "peer_cpu_ratio=2.000");
		assertThat(err.toString()).contains("at 4 connections", "requests/s 10.000", "p99 0.500");
	}

	@Test
	void theColdStartRatiosAreOfTheMediansOfBAgainstAAndThePeer() {
		List<ColdStart.Run> runs = List.of(new ColdStart.Run("A", 1, 4.0, 200), new ColdStart.Run("B", 1, 0.9, 150),
				new ColdStart.Run("peer", 1, 0.3, 50), new ColdStart.Run("A", 2, 3.0, 210),
				new ColdStart.Run("B", 2, 0.7, 150), new ColdStart.Run("peer", 2, 0.2, 50));

		assertThat(ColdStart.ratios(runs)).containsExactly(
				"B against the peer: RSS after the first response 150 MiB against 50 MiB (3.00x)",
				"coldstart_ratio=0.229", "peer_coldstart_ratio=3.200");
		assertThat(ColdStart.ratios(runs.subList(0, 2))).containsExactly("coldstart_ratio=0.225",
				"peer_coldstart_ratio=n/a (B and peer were not both measured)");
	}

}
