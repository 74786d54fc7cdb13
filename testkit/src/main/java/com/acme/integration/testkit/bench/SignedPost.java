package com.acme.integration.testkit.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.acme.integration.testkit.SampleWebhook;
import com.acme.integration.testkit.Webhooks;

/** Signed order webhooks for the benchmarks: a new webhook id and order number for each one. */
final class SignedPost {

	/** One signed webhook: the header values and the body, as sent. */
	record Signed(String id, String timestamp, String signature, byte[] body) {
	}

	/** A status and body answered, or -1 when nothing answered (not listening yet, connection cut). */
	record Answer(int status, String body) {
	}

	private final Webhooks webhooks;

	private final SampleWebhook sample;

	private final String prefix;

	SignedPost(String secret, SampleWebhook sample, String prefix) {
		this.webhooks = new Webhooks(secret);
		this.sample = sample;
		this.prefix = prefix;
	}

	Signed sign(long seq) {
		String id = "msg_" + this.prefix + "_" + seq + "_" + UUID.randomUUID().toString().substring(0, 8);
		long timestamp = Instant.now().getEpochSecond();
		byte[] body = this.sample.withOrderNumber("SO-" + this.prefix + "-" + seq);
		return new Signed(id, Long.toString(timestamp), this.webhooks.sign(id, timestamp, body), body);
	}

	/** POSTs a new signed webhook over a connection of its own (nothing pooled across app launches). */
	Answer post(HttpClient client, URI url, long seq) throws InterruptedException {
		Signed signed = sign(seq);
		HttpRequest request = HttpRequest.newBuilder(url)
			.timeout(Duration.ofSeconds(30))
			.header("Content-Type", "application/json")
			.header("webhook-id", signed.id())
			.header("webhook-timestamp", signed.timestamp())
			.header("webhook-signature", signed.signature())
			.POST(HttpRequest.BodyPublishers.ofByteArray(signed.body()))
			.build();
		try {
			HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
			return new Answer(response.statusCode(), response.body());
		}
		catch (IOException notAnswered) {
			return new Answer(-1, "");
		}
	}

	static HttpClient client() {
		return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
	}

}
