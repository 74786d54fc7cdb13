package com.acme.integration.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;

import com.acme.integration.sandbox.HttpProbe;
import com.acme.integration.sandbox.HttpProbe.Header;
import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.Webhooks;
import com.acme.integration.webhook.InvalidSignatureException;
import com.acme.integration.webhook.SignatureVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The security checks that are not bad inputs: secret rotation, what actuator exposes,
 * and that neither answers nor log lines carry a secret or a token.
 */
class SecurityChecksIntegrationTests extends IntegrationTestSupport {

	@Nested
	class SecretRotation {

		/** This context is configured with both secrets, as during a rotation. */
		@Test
		void acceptsWebhooksSignedWithTheNewAndTheOldSecretWhileBothAreConfigured(CapturedOutput output) {
			assertThat(postSigned(NEW_SECRET, "REL-ROT-NEW").status()).isEqualTo(200);
			assertThat(postSigned(OLD_SECRET, "REL-ROT-OLD").status()).isEqualTo(200);
			HttpProbe.Response foreign = postSigned(FOREIGN_SECRET, "REL-ROT-FOREIGN");
			assertThat(foreign.status()).isEqualTo(401);
			assertThat(foreign.text()).contains("invalid-signature");
			BadInputCorpusIntegrationTests.assertLogsClean(output);
		}

		/**
		 * After the rotation only the new secret is configured: the verifier the function uses refuses
		 * the old one (one context with a single secret would cost a second application start).
		 */
		@Test
		void refusesTheOldSecretOnceOnlyTheNewOneIsConfigured() {
			SignatureVerifier afterRotation = new SignatureVerifier(List.of(NEW_SECRET), Duration.ofMinutes(5),
					Clock.systemUTC());
			byte[] body = "{\"type\":\"order.created\"}".getBytes(StandardCharsets.UTF_8);
			String timestamp = Long.toString(Instant.now().getEpochSecond());
			assertThatNoException().isThrownBy(() -> afterRotation.verify("msg_rot", timestamp,
					new Webhooks(NEW_SECRET).sign("msg_rot", timestamp, body), body));
			assertThatThrownBy(() -> afterRotation.verify("msg_rot", timestamp,
					new Webhooks(OLD_SECRET).sign("msg_rot", timestamp, body), body))
				.isInstanceOf(InvalidSignatureException.class)
				.hasMessageNotContaining(OLD_SECRET.substring("whsec_".length()));
		}

		private HttpProbe.Response postSigned(String secret, String orderNumber) {
			byte[] body = CorpusRequest.payload("samples/webhooks/order-created.json",
					orderNumber + "-" + System.nanoTime());
			String id = "msg_rel_rotation_" + System.nanoTime();
			String timestamp = Long.toString(Instant.now().getEpochSecond());
			return http().post("/orderWebhook", List.of(new Header("Content-Type", "application/json"),
					new Header("webhook-id", id), new Header("webhook-timestamp", timestamp),
					new Header("webhook-signature", new Webhooks(secret).sign(id, timestamp, body))), body);
		}

	}

	@Nested
	class Actuator {

		@ParameterizedTest
		@ValueSource(strings = { "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
				"/actuator/info", "/actuator/prometheus" })
		void exposesHealthInfoAndPrometheus(String path) {
			HttpProbe.Response response = http().send("GET", path, List.of(), new byte[0], false);
			assertThat(response.status()).isEqualTo(200);
			for (String secret : secrets()) {
				assertThat(response.text()).doesNotContain(secret);
			}
			assertThat(response.text()).doesNotContain(ORDERS_API.baseUrl(), ERP.baseUrl());
		}

		@ParameterizedTest
		@ValueSource(strings = { "/actuator/env", "/actuator/env/integration.orders-api.token", "/actuator/beans",
				"/actuator/heapdump", "/actuator/threaddump", "/actuator/configprops", "/actuator/loggers",
				"/actuator/mappings", "/actuator/metrics", "/actuator/conditions", "/actuator/scheduledtasks",
				"/actuator/caches", "/actuator/startup", "/actuator/sbom", "/actuator/logfile", "/actuator/jolokia" })
		void exposesNothingElse(String path) {
			HttpProbe.Response response = http().send("GET", path, List.of(), new byte[0], false);
			assertThat(response.status()).as(path).isEqualTo(404);
			for (String secret : secrets()) {
				assertThat(response.text()).doesNotContain(secret);
			}
		}

		@Test
		void cannotBeShutDownOrReconfiguredOverHttp() {
			byte[] body = "{\"configuredLevel\":\"TRACE\"}".getBytes(StandardCharsets.UTF_8);
			List<Header> json = List.of(new Header("Content-Type", "application/json"));
			assertThat(http().send("POST", "/actuator/shutdown", json, body, false).status()).isEqualTo(404);
			assertThat(http().send("POST", "/actuator/loggers/ROOT", json, body, false).status()).isEqualTo(404);
			assertThat(http().send("POST", "/actuator/env", json, body, false).status()).isEqualTo(404);
			assertThat(http().send("GET", "/actuator/health", List.of(), new byte[0], false).status()).isEqualTo(200);
		}

		@Test
		void listsOnlyTheExposedEndpoints() {
			HttpProbe.Response index = http().send("GET", "/actuator", List.of(), new byte[0], false);
			if (index.status() == 200) {
				assertThat(index.text()).doesNotContain("/actuator/env", "/actuator/beans", "/actuator/heapdump");
			}
			else {
				assertThat(index.status()).isEqualTo(404);
			}
		}

	}

}
