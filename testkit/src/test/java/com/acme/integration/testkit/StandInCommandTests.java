package com.acme.integration.testkit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code testkit orders-api}: the stand-in the load script runs, in a process of its own. */
class StandInCommandTests {

	@Test
	void servesTheStatefulStandInUntilStopped() throws Exception {
		int port = Commands.freePort();
		Process process = new ProcessBuilder(Commands.java(TestKit.class, "orders-api", "--port", Integer.toString(port),
				"--token", "t", "--delay", "5ms")).redirectErrorStream(true).start();
		try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			assertThat(out.readLine()).isEqualTo("orders-api stand-in listening on http://localhost:" + port);
			String url = "http://127.0.0.1:" + port;

			HttpResponse<String> created = StandInHttp.send("POST", url + "/api/v1/orders", "{\"externalRef\":\"a:1\"}",
					"Authorization", "Bearer t", "Idempotency-Key", "key-1");
			HttpResponse<String> replayed = StandInHttp.send("POST", url + "/api/v1/orders", "{\"externalRef\":\"a:1\"}",
					"Authorization", "Bearer t", "Idempotency-Key", "key-1");

			assertThat(created.statusCode()).isEqualTo(201);
			assertThat(replayed.headers().firstValue("Idempotent-Replayed")).hasValue("true");
			assertThat(StandInHttp.send("GET", url + "/__orders", null).body()).isEqualTo("key-1 ord-000001\n");
		}
		finally {
			process.destroy();
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void servesTheFastStandIn() throws Exception {
		int port = Commands.freePort();
		Process process = new ProcessBuilder(Commands.java(TestKit.class, "orders-api", "--fast", "--port",
				Integer.toString(port))).redirectErrorStream(true).start();
		try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			assertThat(out.readLine()).isEqualTo("orders-api stand-in (fast) listening on http://127.0.0.1:" + port);

			assertThat(StandInHttp.send("POST", "http://127.0.0.1:" + port + "/api/v1/orders", "{}").statusCode())
				.isEqualTo(201);
		}
		finally {
			process.destroy();
			assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void refusesToServeTheStatefulStandInWithoutAToken() {
		Commands result = Commands.run("orders-api", "--port", "0");

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.err()).isEqualTo("orders-api: --token is required (the stateful stand-in checks it)\n");
	}

	@Test
	void answersBadUsageWithExit2() {
		assertThat(Commands.run("orders-api", "--port", "many").exitCode()).isEqualTo(2);
		assertThat(Commands.run("no-such-command").exitCode()).isEqualTo(2);
	}

}
