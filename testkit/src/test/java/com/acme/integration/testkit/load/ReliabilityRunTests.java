package com.acme.integration.testkit.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.acme.integration.testkit.Commands;
import com.acme.integration.testkit.Webhooks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reliability command in smoke-sized runs against {@link FakeApp}, a JVM of its own standing in for the
 * functions jar (which is built after the testkit): a correct app passes, each misbehaviour fails with its line.
 */
class ReliabilityRunTests {

	static final String SECRET = Webhooks.secretOf("reliability-run-test-only-secret");

	static final String TOKEN = "reliability-run-test-only-token";

	static final String SAMPLE = """
			{"type":"order.created","timestamp":"2026-11-24T14:02:31+01:00",
			 "data":{"orderNumber":"SO-1","customer":{"name":"Müller GmbH"},"items":[]}}
			""";

	@Test
	void aCorrectAppPassesAndEveryOutputIsWritten(@TempDir Path dir) throws Exception {
		Path out = dir.resolve("out");

		Commands result = run(dir, out, FakeApp.Mode.CORRECT, 400);

		assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
		assertThat(fails(result)).isEmpty();
		assertThat(result.out()).contains("load (smoke): passed, figures in " + out.resolve("summary.txt"));
		List<String> summary = Files.readAllLines(out.resolve("summary.txt"));
		assertThat(summary).satisfiesExactly(
				line -> assertThat(line).startsWith("warm-up: sent=20 ok=20 errors=0 final=0 "),
				line -> assertThat(line).startsWith("sustained: sent=40 ok=40 errors=0 final=0 "),
				line -> assertThat(line).matches("rss: after warm-up \\d+ kB, at the end \\d+ kB, highest after warm-up \\d+ kB, bound \\d+ kB \\(\\+400%\\)"),
				line -> assertThat(line).matches("shutdown: SIGTERM after \\d+ orders of this phase, the app exited with \\d+ after [0-9.]+ s"),
				line -> assertThat(line).startsWith("shutdown: sent=").contains(" final=0 "),
				line -> assertThat(line).matches("orders: acknowledged \\d+, at the stand-in \\d+, acknowledged without order 0, order id differs 0"));
		for (String file : List.of("app-sustained.log", "app-shutdown.log", "acked-warmup.txt", "acked-sustained.txt",
				"acked-shutdown.txt", "acked.txt", "orders.txt", "rss.txt")) {
			assertThat(out.resolve(file)).as(file).exists();
		}
		assertThat(Files.readAllLines(out.resolve("acked-sustained.txt"))).hasSize(40)
			.allSatisfy(line -> assertThat(line).matches("msg_load_\\w+_\\d+ ord-\\d{6}"));
		assertThat(Files.readAllLines(out.resolve("orders.txt"))).containsAll(Files.readAllLines(out.resolve("acked.txt")));
		assertThat(Files.readAllLines(out.resolve("rss.txt"))).isNotEmpty()
			.allSatisfy(line -> assertThat(line).matches("\\d+ \\d+"));
		assertThat(Files.readString(out.resolve("app-shutdown.log"))).contains(Reliability.GRACEFUL);
	}

	@Test
	void anAppAcknowledgingWebhooksItDidNotForwardFails(@TempDir Path dir) throws Exception {
		Commands result = run(dir, dir.resolve("out"), FakeApp.Mode.UNFORWARDED, 400);

		assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
		assertThat(fails(result)).containsExactly("FAIL: acknowledged webhooks without their order");
		assertThat(result.out()).containsPattern("orders: acknowledged \\d+, at the stand-in \\d+, acknowledged without order [1-9]");
		assertThat(result.err()).contains("load (smoke): FAILED, see " + dir.resolve("out"));
	}

	@Test
	void anAppLoggingTheSecretFails(@TempDir Path dir) throws Exception {
		Commands result = run(dir, dir.resolve("out"), FakeApp.Mode.LEAKS_SECRET, 400);

		assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
		assertThat(fails(result)).containsExactly("FAIL: a secret or token appears in the application log");
	}

	@Test
	void anAppNotLoggingAGracefulShutdownFails(@TempDir Path dir) throws Exception {
		Path out = dir.resolve("out");

		Commands result = run(dir, out, FakeApp.Mode.ABRUPT, 400);

		assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
		assertThat(fails(result))
			.containsExactly("FAIL: no 'Graceful shutdown complete' in " + out.resolve("app-shutdown.log"));
	}

	@Test
	void rssBeyondTheBoundFails(@TempDir Path dir) throws Exception {
		// A bound below the RSS after the warm-up: any app exceeds it.
		Commands result = run(dir, dir.resolve("out"), FakeApp.Mode.CORRECT, -50);

		assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(1);
		assertThat(fails(result)).containsExactly("FAIL: RSS grew beyond the bound");
		assertThat(result.out()).contains("(+-50%)");
	}

	@Test
	void anAppThatNeverGetsReadyStopsTheRunWithItsLog(@TempDir Path dir) throws Exception {
		Commands result = Commands.run("reliability", "--secret", SECRET, "--sample",
				Files.writeString(dir.resolve("order-created.json"), SAMPLE).toString(), "--token", TOKEN, "--smoke",
				"--out", dir.resolve("out").toString(), "--app-port", Integer.toString(Commands.freePort()),
				"--standin-port", "0", "--app", "sh -c 'echo starting; exit 3'");

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.err()).startsWith("reliability: not ready after 180 s or exited: ")
			.contains("app-sustained.log");
		assertThat(Files.readString(dir.resolve("out").resolve("app-sustained.log"))).contains("starting");
	}

	/**
	 * A smoke-sized run against the fake app: 20 webhooks/s, 1 s of warm-up, 2 s sustained, 2 s before SIGTERM;
	 * the RSS bound is wide but where a test sets it (a young JVM's RSS is not flat).
	 */
	private static Commands run(Path dir, Path out, FakeApp.Mode mode, int rssGrowthPct) throws Exception {
		String app = String.join(" ", Commands.java(FakeApp.class, mode.name()).stream()
			.map(word -> "'" + word + "'").toList());
		return Commands.run("reliability", "--secret", SECRET, "--sample",
				Files.writeString(dir.resolve("order-created.json"), SAMPLE).toString(), "--token", TOKEN, "--smoke",
				"--rate", "20", "--warmup", "1", "--seconds", "2", "--before-term", "2", "--rss-growth-pct",
				Integer.toString(rssGrowthPct), "--out", out.toString(), "--app-port", Integer.toString(Commands.freePort()),
				"--standin-port", "0", "--app", app);
	}

	private static List<String> fails(Commands result) {
		return result.out().lines().filter(line -> line.startsWith("FAIL: ")).toList();
	}

}
