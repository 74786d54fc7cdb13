package com.acme.integration.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import com.acme.integration.testkit.Webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignatureVerifierTests {

	static final String SECRET = "whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0";

	static final String OLD_SECRET = "whsec_" + Base64.getEncoder().encodeToString("the-previous-secret".getBytes());

	static final String RETIRED_SECRET = "whsec_" + Base64.getEncoder().encodeToString("long-gone".getBytes());

	static final Instant NOW = Instant.parse("2026-11-24T10:15:00Z");

	static final Duration TOLERANCE = Duration.ofMinutes(5);

	static final String ID = "msg_2Kt7Zr4nQ0";

	static final byte[] BODY = "{\"type\":\"order.created\",\"data\":{\"note\":\"Müller\"}}\n"
		.getBytes(StandardCharsets.UTF_8);

	private final SignatureVerifier verifier = new SignatureVerifier(List.of(SECRET), TOLERANCE,
			Clock.fixed(NOW, ZoneOffset.UTC));

	static String ts(Instant instant) {
		return Long.toString(instant.getEpochSecond());
	}

	/** What a sender computes: base64 of HMAC-SHA256 over id.timestamp.body with the decoded secret. */
	static String sign(String secret, String id, String timestamp, byte[] body) {
		return new Webhooks(secret).mac(id, timestamp, body);
	}

	static String v1(String secret, String id, String timestamp, byte[] body) {
		return new Webhooks(secret).sign(id, timestamp, body);
	}

	@Test
	void acceptsValidSignatureOverRawBytesIncludingUtf8AndTrailingNewline() {
		String timestamp = ts(NOW);
		assertThatCode(() -> this.verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
			.doesNotThrowAnyException();
	}

	@Test
	void matchesTheStandardWebhooksReferenceVector() {
		SignatureVerifier reference = new SignatureVerifier(List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
				TOLERANCE, Clock.fixed(Instant.ofEpochSecond(1614265330), ZoneOffset.UTC));
		assertThatCode(() -> reference.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
				"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
				"{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
			.doesNotThrowAnyException();
	}

	@Nested
	class Tampering {

		@Test
		void rejectsBodyWithOneByteChanged() {
			String timestamp = ts(NOW);
			String signature = v1(SECRET, ID, timestamp, BODY);
			byte[] tampered = BODY.clone();
			tampered[10] ^= 0x01;
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, signature, tampered))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("No signature matches the webhook.");
		}

		@Test
		void rejectsSignatureReplayedUnderAnotherWebhookId() {
			String timestamp = ts(NOW);
			String signature = v1(SECRET, ID, timestamp, BODY);
			assertThatThrownBy(() -> verifier.verify("msg_other", timestamp, signature, BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

		@Test
		void rejectsSignatureReplayedWithAnotherTimestamp() {
			String signature = v1(SECRET, ID, ts(NOW), BODY);
			assertThatThrownBy(() -> verifier.verify(ID, ts(NOW.plusSeconds(1)), signature, BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

		@Test
		void rejectsSignatureMadeWithAnUnknownSecret() {
			String timestamp = ts(NOW);
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, v1(RETIRED_SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

	}

	@Nested
	class Timestamps {

		@Test
		void acceptsTimestampExactlyAtToleranceInThePast() {
			String timestamp = ts(NOW.minus(TOLERANCE));
			assertThatCode(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.doesNotThrowAnyException();
		}

		@Test
		void rejectsTimestampOlderThanTolerance() {
			String timestamp = ts(NOW.minus(TOLERANCE).minusSeconds(1));
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-timestamp is too old.");
		}

		@Test
		void acceptsTimestampExactlyAtToleranceInTheFuture() {
			String timestamp = ts(NOW.plus(TOLERANCE));
			assertThatCode(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.doesNotThrowAnyException();
		}

		@Test
		void rejectsTimestampFurtherInTheFutureThanTolerance() {
			String timestamp = ts(NOW.plus(TOLERANCE).plusSeconds(1));
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-timestamp is too far in the future.");
		}

		@Test
		void rejectsStaleTimestampEvenWithAValidSignature() {
			String timestamp = ts(NOW.minus(Duration.ofHours(1)));
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

	}

	@Nested
	class Rotation {

		private final SignatureVerifier rotating = new SignatureVerifier(List.of(SECRET, OLD_SECRET), TOLERANCE,
				Clock.fixed(NOW, ZoneOffset.UTC));

		@Test
		void acceptsSignatureMadeWithTheNewSecret() {
			String timestamp = ts(NOW);
			assertThatCode(() -> rotating.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.doesNotThrowAnyException();
		}

		@Test
		void acceptsSignatureMadeWithTheOldSecretDuringRotation() {
			String timestamp = ts(NOW);
			assertThatCode(() -> rotating.verify(ID, timestamp, v1(OLD_SECRET, ID, timestamp, BODY), BODY))
				.doesNotThrowAnyException();
		}

		@Test
		void rejectsSignatureMadeWithARetiredSecret() {
			String timestamp = ts(NOW);
			assertThatThrownBy(() -> rotating.verify(ID, timestamp, v1(RETIRED_SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

	}

	@Nested
	class SmokeCheckSecrets {

		private final SignatureVerifier withSmoke = new SignatureVerifier(List.of(SECRET), List.of(RETIRED_SECRET),
				TOLERANCE, Clock.fixed(NOW, ZoneOffset.UTC));

		@Test
		void tellsWhichKindOfSecretSigned() {
			String timestamp = ts(NOW);
			assertThat(withSmoke.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isEqualTo(SignatureVerifier.SignedBy.CUSTOMER);
			assertThat(withSmoke.verify(ID, timestamp, v1(RETIRED_SECRET, ID, timestamp, BODY), BODY))
				.isEqualTo(SignatureVerifier.SignedBy.SMOKE_CHECK);
		}

		@Test
		void holdsASmokeCheckSignatureToTheSameTimestampRules() {
			String old = ts(NOW.minus(TOLERANCE).minusSeconds(1));
			assertThatThrownBy(() -> withSmoke.verify(ID, old, v1(RETIRED_SECRET, ID, old, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-timestamp is too old.");
		}

	}

	@Nested
	class SeveralSignatures {

		@Test
		void acceptsWhenTheLastOfSeveralSignaturesMatches() {
			String timestamp = ts(NOW);
			String header = v1(RETIRED_SECRET, ID, timestamp, BODY) + " " + v1(SECRET, ID, timestamp, BODY);
			assertThatCode(() -> verifier.verify(ID, timestamp, header, BODY)).doesNotThrowAnyException();
		}

		@Test
		void acceptsWhenTheFirstOfSeveralSignaturesMatches() {
			String timestamp = ts(NOW);
			String header = v1(SECRET, ID, timestamp, BODY) + " " + v1(RETIRED_SECRET, ID, timestamp, BODY);
			assertThatCode(() -> verifier.verify(ID, timestamp, header, BODY)).doesNotThrowAnyException();
		}

		@Test
		void ignoresOtherSignatureVersionsBesideAMatchingV1() {
			String timestamp = ts(NOW);
			String header = "v1a,bm90LWFuLWVkMjU1MTktc2ln " + v1(SECRET, ID, timestamp, BODY);
			assertThatCode(() -> verifier.verify(ID, timestamp, header, BODY)).doesNotThrowAnyException();
		}

		@Test
		void rejectsAValidSignatureLabelledWithAnotherVersion() {
			String timestamp = ts(NOW);
			String header = "v2," + sign(SECRET, ID, timestamp, BODY);
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, header, BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-signature header has no valid v1 signature.");
		}

		@Test
		void skipsBadBase64EntryAndStillAcceptsAMatchingOne() {
			String timestamp = ts(NOW);
			String header = "v1,***not-base64*** " + v1(SECRET, ID, timestamp, BODY);
			assertThatCode(() -> verifier.verify(ID, timestamp, header, BODY)).doesNotThrowAnyException();
		}

	}

	@Nested
	class MalformedHeaders {

		@Test
		void rejectsMissingWebhookId() {
			String timestamp = ts(NOW);
			assertThatThrownBy(() -> verifier.verify(null, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-id header is missing.");
		}

		@Test
		void rejectsWebhookIdWithWhitespace() {
			String timestamp = ts(NOW);
			assertThatThrownBy(() -> verifier.verify("msg 1", timestamp, v1(SECRET, "msg 1", timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-id header is malformed.");
		}

		@Test
		void rejectsMissingTimestamp() {
			assertThatThrownBy(() -> verifier.verify(ID, null, v1(SECRET, ID, ts(NOW), BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-timestamp header is missing.");
		}

		@Test
		void rejectsTimestampThatIsNotWholeSeconds() {
			String timestamp = NOW.toString();
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-timestamp header must be whole seconds since the epoch.");
		}

		@Test
		void rejectsTimestampInMilliseconds() {
			String timestamp = Long.toString(NOW.toEpochMilli());
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, v1(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-timestamp is too far in the future.");
		}

		@Test
		void rejectsMissingSignature() {
			assertThatThrownBy(() -> verifier.verify(ID, ts(NOW), null, BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-signature header is missing.");
		}

		@Test
		void rejectsBlankSignature() {
			assertThatThrownBy(() -> verifier.verify(ID, ts(NOW), "   ", BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-signature header is missing.");
		}

		@Test
		void rejectsSignatureWithoutVersionPrefix() {
			String timestamp = ts(NOW);
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, sign(SECRET, ID, timestamp, BODY), BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-signature header has no valid v1 signature.");
		}

	}

	@Nested
	class Base64Encoding {

		@Test
		void acceptsUnpaddedBase64Signature() {
			String timestamp = ts(NOW);
			String unpadded = v1(SECRET, ID, timestamp, BODY).replace("=", "");
			assertThatCode(() -> verifier.verify(ID, timestamp, unpadded, BODY)).doesNotThrowAnyException();
		}

		@Test
		void rejectsBadBase64AsAnInvalidSignature() {
			assertThatThrownBy(() -> verifier.verify(ID, ts(NOW), "v1,%%%%", BODY))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessage("The webhook-signature header has no valid v1 signature.");
		}

		@Test
		void rejectsTruncatedSignature() {
			String timestamp = ts(NOW);
			String full = sign(SECRET, ID, timestamp, BODY);
			assertThatThrownBy(() -> verifier.verify(ID, timestamp, "v1," + full.substring(0, 20), BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

		@Test
		void rejectsEmptySignatureValue() {
			assertThatThrownBy(() -> verifier.verify(ID, ts(NOW), "v1,", BODY))
				.isInstanceOf(InvalidSignatureException.class);
		}

	}

	@Nested
	class Secrets {

		@Test
		void refusesSecretWithoutWhsecPrefix() {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new SignatureVerifier(List.of("c2VjcmV0"), TOLERANCE, Clock.systemUTC()))
				.withMessage("webhook secret 0 is not whsec_ followed by base64")
				.withMessageNotContaining("c2VjcmV0");
		}

		@Test
		void refusesSecretThatIsNotBase64() {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new SignatureVerifier(List.of(SECRET, "whsec_***"), TOLERANCE, Clock.systemUTC()))
				.withMessage("webhook secret 1 is not whsec_ followed by base64");
		}

		@Test
		void refusesNoSecretAtAll() {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new SignatureVerifier(List.of(), TOLERANCE, Clock.systemUTC()));
		}

		@Test
		void propertiesNameTheBadSecretWithoutRepeatingIt() {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new WebhookProperties(List.of(SECRET, "whsec-typo"), List.of(), TOLERANCE,
						org.springframework.util.unit.DataSize.ofKilobytes(256)))
				.withMessageContaining("integration.webhook.secrets[1]")
				.withMessageNotContaining("whsec-typo");
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new WebhookProperties(List.of(SECRET), List.of("whsec-smoke-typo"), TOLERANCE,
						org.springframework.util.unit.DataSize.ofKilobytes(256)))
				.withMessageContaining("integration.webhook.smoke-secrets[0]")
				.withMessageNotContaining("whsec-smoke-typo");
		}

	}

}
