package com.acme.integration.testkit.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.acme.integration.testkit.Commands;
import com.acme.integration.testkit.Webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The benchmark programs, run as scripts/bench/*.sh run them. */
class BenchCommandsTests {

	static final String SECRET = Webhooks.secretOf("bench-commands-test-only-secret!");

	static final String SAMPLE = """
			{"type":"order.created","timestamp":"2026-11-24T14:02:31+01:00",
			 "data":{"orderNumber":"SO-1","customer":{"name":"Müller GmbH"},"items":[]}}
			""";

	static final WireMockServer APP = new WireMockServer(options().dynamicPort());

	static {
		APP.start();
	}

	@AfterAll
	static void stop() {
		APP.stop();
	}

	@BeforeEach
	void reset() {
		APP.resetAll();
	}

	static Path sample(Path dir) throws Exception {
		return Files.writeString(dir.resolve("order-created.json"), SAMPLE);
	}

	@Test
	void measuresEveryVariantWithWrkAndPrintsTheRatiosLast(@TempDir Path dir) throws Exception {
		requireWrk();
		APP.stubFor(post(urlPathMatching("/.*")).willReturn(aResponse().withStatus(200).withBody("{}")));
		Path out = dir.resolve("out");

		Commands result = throughput(dir, out, "function|orderWebhook|" + APP.baseUrl() + "/orderWebhook|" + PID,
				"plain-mvc|plain|" + APP.baseUrl() + "/plain|" + PID, "peer|peer|" + APP.baseUrl() + "/peer|" + PID);

		assertThat(result.exitCode()).as(result.err()).isEqualTo(0);
		// The ceiling once per concurrency, then 3 variants x 2 concurrencies x 2 rounds.
		assertThat(Files.readAllLines(out.resolve("runs.csv"))).hasSize(1 + 2 + 12);
		List<String> points = Files.readAllLines(out.resolve("points.csv"));
		assertThat(points).hasSize(1 + 2 + 6);
		assertThat(points.getFirst()).startsWith("variant,connections,rounds,requests,requests_per_s");
		assertThat(points).anySatisfy(line -> assertThat(line).startsWith("function,16,2,"));
		JsonNode json = JsonMapper.builder().build().readTree(out.resolve("throughput.json").toFile());
		assertThat(json.get("series")).hasSize(4);
		assertThat(json.get("series").get(1).get("label").asString()).isEqualTo("orderWebhook");
		assertThat(json.get("series").get(1).get("points").get(1).get("requests_per_s").isNumber()).isTrue();
		List<String> stdout = result.out().lines().toList();
		assertThat(stdout.subList(stdout.size() - 3, stdout.size())).satisfiesExactly(
				line -> assertThat(line).matches("throughput_ratio=[0-9]+\\.[0-9]{3}"),
				line -> assertThat(line).matches("peer_throughput_ratio=[0-9]+\\.[0-9]{3}"),
				line -> assertThat(line).matches("peer_cpu_ratio=[0-9]+\\.[0-9]{3}"));
		// What wrk sent: signed webhooks of the sample.
		List<LoggedRequest> sent = APP.findAll(postRequestedFor(urlEqualTo("/orderWebhook")));
		for (LoggedRequest request : sent.subList(0, 20)) {
			assertThat(request.getHeader("webhook-signature")).isEqualTo(new Webhooks(SECRET)
				.sign(request.getHeader("webhook-id"), request.getHeader("webhook-timestamp"), request.getBody()));
			assertThat(request.getBodyAsString()).contains("\"orderNumber\":\"SO-t-", "Müller");
		}
	}

	@Test
	void aVariantAnsweringAnythingButA2xxFailsTheBenchmark(@TempDir Path dir) throws Exception {
		requireWrk();
		APP.stubFor(post(urlPathMatching("/.*")).willReturn(aResponse().withStatus(200)));
		APP.stubFor(post("/broken").willReturn(aResponse().withStatus(500).withBody("{\"status\":500}")));

		Commands result = throughput(dir, dir.resolve("out"), "function|ok|" + APP.baseUrl() + "/ok|" + PID,
				"broken|broken|" + APP.baseUrl() + "/broken|" + PID);

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.err()).contains("broken c=2", "non-2xx responses", "500 {\"status\":500}");
		// The runs so far are kept, the failed one with them.
		assertThat(Files.readAllLines(dir.resolve("out").resolve("runs.csv")))
			.anySatisfy(line -> assertThat(line).startsWith("ceiling,1,16,"))
			.anySatisfy(line -> assertThat(line).startsWith("broken,1,2,"));
	}

	static final long PID = ProcessHandle.current().pid();

	private static Commands throughput(Path dir, Path out, String... variants) throws Exception {
		List<String> args = new ArrayList<>(List.of("throughput", "--secret", SECRET, "--sample", sample(dir).toString(),
				"--out", out.toString(), "--connections", "2,16", "--duration", "1s", "--warmup", "1s", "--rounds", "2",
				"--max-rate", "3000", "--ceiling", APP.baseUrl() + "/api/v1/orders|" + PID));
		for (String variant : variants) {
			args.addAll(List.of("--variant", variant));
		}
		return Commands.run(args.toArray(String[]::new));
	}

	/** wrk is Debian's; .ci/run installs it. Without it the tests are skipped, and fail with CI=true. */
	private static void requireWrk() {
		boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
			.anyMatch(directory -> Files.isExecutable(Path.of(directory, "wrk")));
		if (!found && "true".equals(System.getenv("CI"))) {
			throw new AssertionError("wrk is not installed (apt-get install wrk), and CI=true");
		}
		assumeTrue(found, "wrk is not installed");
	}

	@Test
	void awaitsTheGivenNumberOf200sWaitingOutAStartingApp(@TempDir Path dir) throws Exception {
		APP.stubFor(post("/orderWebhook").inScenario("start").whenScenarioStateIs(Scenario.STARTED)
			.willSetStateTo("up").willReturn(aResponse().withStatus(503)));
		APP.stubFor(post("/orderWebhook").inScenario("start").whenScenarioStateIs("up")
			.willReturn(aResponse().withStatus(200).withBody("{\"result\":\"created\"}")));

		Commands result = Commands.run("await", APP.baseUrl() + "/orderWebhook", "--secret", SECRET, "--sample",
				sample(dir).toString(), "--count", "2", "--timeout", "30s");

		assertThat(result.exitCode()).as(result.err()).isEqualTo(0);
		APP.verify(3, postRequestedFor(urlEqualTo("/orderWebhook")));
		String id = APP.findAll(postRequestedFor(urlEqualTo("/orderWebhook"))).getFirst().getHeader("webhook-id");
		assertThat(id).startsWith("msg_await_");
	}

	@Test
	void failsOnAnAnswerThatIsNoStartingApp(@TempDir Path dir) throws Exception {
		APP.stubFor(post("/orderWebhook").willReturn(aResponse().withStatus(401).withBody("{\"status\":401}")));

		Commands result = Commands.run("await", APP.baseUrl() + "/orderWebhook", "--secret", SECRET, "--sample",
				sample(dir).toString());

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.err()).startsWith("await: " + APP.baseUrl() + "/orderWebhook answered 401");
	}

	@Test
	void timesLaunchToFirst200OfEachVariantInAlternatingRounds(@TempDir Path dir) throws Exception {
		int port = Commands.freePort();
		String floor = String.join(" ", Commands.java(Floor.class, Integer.toString(port)).stream()
			.map(word -> "'" + word + "'").toList());
		Path out = dir.resolve("coldstart");

		Commands result = Commands.run("coldstart", "--url", "http://127.0.0.1:" + port + "/orderWebhook", "--secret",
				SECRET, "--sample", sample(dir).toString(), "--out", out.toString(), "--runs", "2", "--pause", "0ms",
				"--variant", "floor|the floor|" + floor, "--variant", "floor-again|the floor, again|" + floor);

		assertThat(result.exitCode()).as(result.err()).isEqualTo(0);
		assertThat(result.out()).contains("round 1 floor ", "round 2 floor-again ", "median s");
		assertThat(Files.readAllLines(out.resolve("coldstart-runs.csv"))).hasSize(5)
			.first().isEqualTo("variant,run,seconds,rss_mib");
		JsonNode json = JsonMapper.builder().build().readTree(out.resolve("coldstart.json").toFile());
		assertThat(json.path("runs").asInt()).isEqualTo(2);
		assertThat(json.path("variants").get(0).path("variant").asString()).isEqualTo("floor");
		assertThat(json.path("variants").get(0).path("seconds").path("n").asInt()).isEqualTo(2);
		assertThat(json.path("variants").get(0).path("seconds").path("median").asDouble()).isPositive();
		assertThat(json.path("variants").get(1).path("rss_mib").path("median").asDouble()).isGreaterThan(10);
		assertThat(Files.readString(out.resolve("coldstart.csv"))).contains("floor-again,\"the floor, again\",");
	}

	@Test
	void reportsAVariantThatExitsBeforeItsFirst200(@TempDir Path dir) throws Exception {
		Commands result = Commands.run("coldstart", "--url", "http://127.0.0.1:9/orderWebhook", "--secret", SECRET,
				"--sample", sample(dir).toString(), "--out", dir.resolve("out").toString(), "--runs", "1",
				"--variant", "broken|exits at once|sh -c 'exit 3'");

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.err()).startsWith("coldstart: broken exited with 3 before its first 200");
	}

	@Test
	void takesTheMedianAsPythonDoes() {
		assertThat(ColdStart.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
		assertThat(ColdStart.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
	}

}
