package com.acme.integration.reliability;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The one application context of the reliability tests (corpus, fault matrix, security checks):
 * all three functions, an Orders API and an ERP stand-in per JVM, two webhook secrets configured
 * (a rotation in progress), and short Orders API and ERP timeouts (3 s deadline)
 * so that "past the deadline" costs seconds, not minutes.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.cloud.function.definition=orderWebhook;mapOrder;orderStatusSync",
		"integration.customer.key=mueller",
		"integration.orders-api.deadline=3s",
		"integration.orders-api.connect-timeout=1s",
		"integration.orders-api.read-timeout=1500ms",
		"integration.orders-api.initial-backoff=20ms",
		"integration.orders-api.max-backoff=200ms",
		"integration.erp.connect-timeout=1s",
		"integration.erp.read-timeout=1500ms",
		"spring.security.oauth2.client.registration.erp.client-id=" + ErpStandIn.CLIENT_ID,
		"spring.security.oauth2.client.registration.erp.client-secret=" + ErpStandIn.CLIENT_SECRET,
		"spring.security.oauth2.client.registration.erp.authorization-grant-type=client_credentials" })
@ExtendWith(OutputCaptureExtension.class)
abstract class ReliabilityIntegrationTest {

	/** The secret being rotated in. Test-only values, never used anywhere else. */
	static final String NEW_SECRET = secret("reliability-new-secret-32-bytes!");

	/** The secret being rotated out: still valid in this context. */
	static final String OLD_SECRET = secret("reliability-old-secret-32-bytes!");

	/** Never configured anywhere. */
	static final String FOREIGN_SECRET = secret("reliability-foreign-secret-32by!");

	static final OrdersApiStandIn ORDERS = new OrdersApiStandIn();

	static final ErpStandIn ERP = new ErpStandIn();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void standIns(DynamicPropertyRegistry registry) {
		registry.add("integration.webhook.secrets", () -> NEW_SECRET + "," + OLD_SECRET);
		registry.add("integration.orders-api.base-url", ORDERS::baseUrl);
		registry.add("integration.orders-api.token", () -> OrdersApiStandIn.TOKEN);
		registry.add("integration.erp.base-url", ERP::baseUrl);
		registry.add("spring.security.oauth2.client.provider.erp.token-uri", ERP::tokenUri);
	}

	private static volatile boolean warm;

	/**
	 * The first calls of a fresh JVM (class loading, JIT, first connections) can take longer than the
	 * short timeouts of this context on a busy machine: one webhook, one mapping and one event are sent
	 * until accepted before the first test, so that no test measures a cold start.
	 */
	@BeforeEach
	void warmUpOnce() {
		if (warm) {
			return;
		}
		Signer signer = new Signer(NEW_SECRET);
		byte[] order = CorpusRequest.payload("samples/webhooks/order-created.json", "REL-WARMUP");
		byte[] event = CorpusRequest.payload("corpus/payloads/status-shipped.json", "REL-WARMUP");
		for (int i = 0; i < 5; i++) {
			String id = "msg_rel_warmup_" + System.nanoTime();
			String timestamp = Long.toString(java.time.Instant.now().getEpochSecond());
			int webhook = http().post("/orderWebhook", List.of(new HttpProbe.Header("Content-Type", "application/json"),
					new HttpProbe.Header("webhook-id", id), new HttpProbe.Header("webhook-timestamp", timestamp),
					new HttpProbe.Header("webhook-signature", signer.sign(id, timestamp, order))), order).status();
			int status = http().post("/orderStatusSync", List.of(new HttpProbe.Header("Content-Type", "application/json"),
					new HttpProbe.Header("ce-id", id), new HttpProbe.Header("ce-specversion", "1.0"),
					new HttpProbe.Header("ce-type", CorpusRequest.EVENT_TYPE),
					new HttpProbe.Header("ce-source", "/orders")), event).status();
			if (webhook == 200 && status == 202) {
				break;
			}
		}
		warm = true;
	}

	HttpProbe http() {
		return new HttpProbe("http://localhost:" + this.port);
	}

	/** Every value whose appearance in a response or a log line is a leak. */
	static List<String> secrets() {
		List<String> secrets = new java.util.ArrayList<>();
		for (String secret : List.of(NEW_SECRET, OLD_SECRET)) {
			secrets.add(secret);
			secrets.add(secret.substring("whsec_".length()));
			secrets.add(new String(Base64.getDecoder().decode(secret.substring("whsec_".length())),
					StandardCharsets.UTF_8));
		}
		secrets.add(OrdersApiStandIn.TOKEN);
		secrets.add(ErpStandIn.CLIENT_SECRET);
		secrets.add(ErpStandIn.TOKEN_PREFIX);
		return secrets;
	}

	private static String secret(String key) {
		return "whsec_" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
	}

}
