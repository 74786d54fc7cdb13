package com.acme.integration.testkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code testkit send-webhook}: scripts/send-webhook.sh. */
class SendWebhookTests {

	static final WireMockServer RECEIVER = new WireMockServer(options().dynamicPort());

	static {
		RECEIVER.start();
	}

	@AfterAll
	static void stop() {
		RECEIVER.stop();
	}

	@BeforeEach
	void reset() {
		RECEIVER.resetAll();
	}

	@Test
	void signsTheFileByteForByteWithTheSandboxSecretAndPrintsTheAnswer(@TempDir Path dir) throws Exception {
		Path file = Files.writeString(dir.resolve("order.json"), "{\"type\":\"order.created\"}\n");
		RECEIVER.stubFor(post("/orderWebhook").willReturn(aResponse().withStatus(200).withBody("{\"result\":\"created\"}")));

		Commands result = Commands.run("send-webhook", file.toString(), RECEIVER.baseUrl() + "/orderWebhook",
				"--id", "msg_test_1");

		assertThat(result.exitCode()).isEqualTo(0);
		assertThat(result.out()).isEqualTo("webhook-id: msg_test_1\nHTTP 200\n{\"result\":\"created\"}\n");
		LoggedRequest sent = RECEIVER.findAll(postRequestedFor(urlEqualTo("/orderWebhook"))).getFirst();
		assertThat(sent.getBody()).isEqualTo(Files.readAllBytes(file));
		assertThat(sent.getHeader("webhook-id")).isEqualTo("msg_test_1");
		assertThat(sent.getHeader("webhook-signature")).isEqualTo(new Webhooks(Webhooks.SANDBOX_SECRET)
			.sign("msg_test_1", sent.getHeader("webhook-timestamp"), "{\"type\":\"order.created\"}\n".getBytes(StandardCharsets.UTF_8)));
	}

	@Test
	void refusesAFileItCannotReadWithExit2(@TempDir Path dir) {
		Commands result = Commands.run("send-webhook", dir.resolve("missing.json").toString(), RECEIVER.baseUrl());

		assertThat(result.exitCode()).isEqualTo(2);
		assertThat(result.err()).startsWith("cannot read " + dir.resolve("missing.json"));
		assertThat(RECEIVER.getAllServeEvents()).isEmpty();
	}

	@Test
	void saysSoWhenNothingAnswers(@TempDir Path dir) throws Exception {
		Path file = Files.writeString(dir.resolve("order.json"), "{}");

		Commands result = Commands.run("send-webhook", file.toString(), "http://127.0.0.1:" + Commands.freePort() + "/");

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.err()).startsWith("send-webhook: nothing answers at http://127.0.0.1:");
	}

	@Test
	void exitsWith1OnAnAnswerOtherThan2xx(@TempDir Path dir) throws Exception {
		Path file = Files.writeString(dir.resolve("order.json"), "{}");
		RECEIVER.stubFor(post("/orderWebhook").willReturn(aResponse().withStatus(401).withBody("{\"status\":401}")));

		Commands result = Commands.run("send-webhook", file.toString(), RECEIVER.baseUrl() + "/orderWebhook");

		assertThat(result.exitCode()).isEqualTo(1);
		assertThat(result.out()).startsWith("webhook-id: msg_").contains("HTTP 401\n{\"status\":401}");
	}

}
