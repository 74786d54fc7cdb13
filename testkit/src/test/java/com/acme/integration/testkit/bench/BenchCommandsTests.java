package com.acme.integration.testkit.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
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
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

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
	void writesOneSignedRequestPerLineForWrk(@TempDir Path dir) throws Exception {
		Path out = dir.resolve("requests.tsv");

		Commands result = Commands.run("signed-requests", "--secret", SECRET, "--sample", sample(dir).toString(),
				"--count", "3", "--prefix", "t", "--out", out.toString());

		assertThat(result.exitCode()).isEqualTo(0);
		List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
		assertThat(lines).hasSize(3);
		Set<String> ids = new HashSet<>();
		for (String line : lines) {
			String[] fields = line.split("\t", 4);
			byte[] body = fields[3].getBytes(StandardCharsets.UTF_8);
			assertThat(fields[2]).isEqualTo(new Webhooks(SECRET).sign(fields[0], fields[1], body));
			assertThat(fields[3]).doesNotContain("\n").contains("\"orderNumber\":\"SO-t-", "Müller");
			ids.add(fields[0]);
		}
		assertThat(ids).as("a new webhook id per request").hasSize(3);
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
