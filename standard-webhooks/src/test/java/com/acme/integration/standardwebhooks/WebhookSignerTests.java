package com.acme.integration.standardwebhooks;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WebhookSignerTests {

	// The test vector of the Standard Webhooks reference libraries
	// (github.com/standard-webhooks/standard-webhooks, libraries/java/.../WebhookTest.java, verifyWebhookSignWorks).
	static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

	static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";

	static final long SPEC_TIMESTAMP = 1614265330;

	static final String SPEC_BODY = "{\"test\": 2432232314}";

	static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

	@Test
	void reproducesTheSpecificationTestVector() {
		assertThat(new WebhookSigner(SPEC_SECRET).sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).isEqualTo(SPEC_SIGNATURE);
	}

	@Test
	void acceptsTheSecretWithoutItsPrefix() {
		String bare = SPEC_SECRET.substring(WebhookSigner.SECRET_PREFIX.length());

		assertThat(new WebhookSigner(bare).sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).isEqualTo(SPEC_SIGNATURE);
	}

	@Test
	void signsTheBodyByteForByte() {
		WebhookSigner signer = new WebhookSigner(SPEC_SECRET);
		String body = "{\"name\":\"Müller\"}\n";

		assertThat(signer.sign(SPEC_ID, SPEC_TIMESTAMP, body.getBytes(StandardCharsets.UTF_8)))
			.isEqualTo(signer.sign(SPEC_ID, SPEC_TIMESTAMP, body))
			.isNotEqualTo(signer.sign(SPEC_ID, SPEC_TIMESTAMP, body.strip()));
	}

	@Test
	void headersCarryIdTimestampInSecondsAndTheSignature() {
		WebhookSigner signer = new WebhookSigner(SPEC_SECRET);
		byte[] body = SPEC_BODY.getBytes(StandardCharsets.UTF_8);

		assertThat(signer.headers(SPEC_ID, Instant.ofEpochSecond(SPEC_TIMESTAMP, 999_000_000), body))
			.containsExactly(java.util.Map.entry("webhook-id", SPEC_ID),
					java.util.Map.entry("webhook-timestamp", "1614265330"),
					java.util.Map.entry("webhook-signature", SPEC_SIGNATURE));
	}

	@Nested
	class BadSecrets {

		@Test
		void refusesASecretThatIsNotBase64WithoutQuotingIt() {
			assertThatIllegalArgumentException().isThrownBy(() -> new WebhookSigner("whsec_not*base64"))
				.withMessage("the webhook secret is not whsec_ followed by base64")
				.withMessageNotContaining("not*base64");
		}

		@Test
		void refusesAnEmptySecret() {
			assertThatIllegalArgumentException().isThrownBy(() -> new WebhookSigner("whsec_"))
				.withMessage("the webhook secret is empty");
		}

		@Test
		void neverPrintsTheSecret() {
			assertThat(new WebhookSigner(SPEC_SECRET)).hasToString("WebhookSigner[secret hidden]");
		}

	}

}
