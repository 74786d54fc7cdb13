package com.acme.integration.testkit;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WebhooksTests {

	/** The reference vector published with the Standard Webhooks specification. */
	@Test
	void signsTheStandardWebhooksReferenceVector() {
		Webhooks webhooks = new Webhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

		String signature = webhooks.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L,
				"{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

		assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	}

	@Test
	void givesTheThreeHeadersOfAStandardWebhook() {
		byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
		Webhooks webhooks = new Webhooks(Webhooks.SANDBOX_SECRET);

		assertThat(webhooks.headers("msg_1", 1700000000L, body)).containsExactly(
				org.assertj.core.api.Assertions.entry("webhook-id", "msg_1"),
				org.assertj.core.api.Assertions.entry("webhook-timestamp", "1700000000"),
				org.assertj.core.api.Assertions.entry("webhook-signature", webhooks.sign("msg_1", "1700000000", body)));
	}

	@Test
	void signsOverTheTimestampAsSentAndTheBodyByteForByte() {
		Webhooks webhooks = new Webhooks(Webhooks.SANDBOX_SECRET);
		byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
		byte[] withNewline = "{}\n".getBytes(StandardCharsets.UTF_8);

		assertThat(webhooks.mac("msg_1", "1700000000", body)).isNotEqualTo(webhooks.mac("msg_1", "1700000000", withNewline))
			.isNotEqualTo(webhooks.mac("msg_1", "01700000000", body));
	}

	@Test
	void makesTestSecretsFromText() {
		assertThat(Webhooks.secretOf("sandbox-only-not-a-real-secret")).isEqualTo(Webhooks.SANDBOX_SECRET);
	}

	@Test
	void refusesASecretWithoutTheWhsecPrefix() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Webhooks("c2VjcmV0"));
	}

}
