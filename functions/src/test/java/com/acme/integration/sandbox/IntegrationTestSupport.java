package com.acme.integration.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.acme.integration.testkit.ErpStandIn;
import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.StandInServer;
import com.acme.integration.testkit.Webhooks;

/**
 * Base of every HTTP integration test of the functions: one application context (the same settings for
 * every subclass, so Spring's test context cache starts it once per JVM) with all three functions on a
 * random port, against the testkit's Orders API and ERP stand-ins on one WireMock server (the ERP under
 * /erp), reset before each test. Two webhook secrets are configured, as during a rotation. The Orders API
 * deadline is 3 s (10 s in production) and the read timeouts 1.5 s, so that "past the deadline" costs
 * seconds, not minutes; the first test of the JVM is preceded by a warm-up so that none measures a cold start.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.function.definition=orderWebhook;mapOrder;orderStatusSync",
				"integration.customer.key=mueller",
				"integration.webhook.smoke-secrets=" + IntegrationTestSupport.SMOKE_SECRET,
				"integration.orders-api.token=" + IntegrationTestSupport.TOKEN,
				"integration.orders-api.deadline=3s", "integration.orders-api.connect-timeout=1s",
				"integration.orders-api.read-timeout=1500ms", "integration.orders-api.initial-backoff=20ms",
				"integration.orders-api.max-backoff=200ms", "integration.orders-api.unavailable-retry-after=30s",
				"integration.erp.connect-timeout=1s", "integration.erp.read-timeout=1500ms",
				"spring.security.oauth2.client.registration.erp.client-id=" + IntegrationTestSupport.ERP_CLIENT_ID,
				"spring.security.oauth2.client.registration.erp.client-secret=" + IntegrationTestSupport.ERP_CLIENT_SECRET,
				"spring.security.oauth2.client.registration.erp.authorization-grant-type=client_credentials" })
@ExtendWith(OutputCaptureExtension.class)
public abstract class IntegrationTestSupport {

	public static final String TOKEN = "test-orders-api-token";

	/** Test-only secret reserved for smoke checks (base64 of "test-only-smoke-check-secret"). */
	public static final String SMOKE_SECRET = "whsec_dGVzdC1vbmx5LXNtb2tlLWNoZWNrLXNlY3JldA==";

	public static final String ERP_CLIENT_ID = "test-erp-client";

	public static final String ERP_CLIENT_SECRET = "test-erp-client-secret";

	/** The secret being rotated in: the sandbox's, which the tests sign with. */
	public static final String NEW_SECRET = Webhooks.SANDBOX_SECRET;

	/** The secret being rotated out: still valid in this context. Test-only. */
	public static final String OLD_SECRET = Webhooks.secretOf("reliability-old-secret-32-bytes!");

	/** Configured nowhere. */
	public static final String FOREIGN_SECRET = Webhooks.secretOf("reliability-foreign-secret-32by!");

	public static final OrdersApiStandIn ORDERS_API = new OrdersApiStandIn(TOKEN);

	public static final ErpStandIn ERP = new ErpStandIn(ERP_CLIENT_ID, ERP_CLIENT_SECRET);

	/** Enough threads for the fault matrix's senders while requests "past the deadline" sleep. */
	public static final StandInServer STAND_INS = StandInServer
		.start(WireMockConfiguration.options().dynamicPort().containerThreads(96), ORDERS_API, ERP);

	protected static final JsonMapper JSON = JsonMapper.builder().build();

	protected static final Webhooks SIGNER = new Webhooks(NEW_SECRET);

	private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private static volatile boolean warm;

	@LocalServerPort
	protected int port;

	@DynamicPropertySource
	static void standIns(DynamicPropertyRegistry registry) {
		registry.add("integration.webhook.secrets", () -> NEW_SECRET + "," + OLD_SECRET);
		registry.add("integration.orders-api.base-url", ORDERS_API::baseUrl);
		registry.add("integration.erp.base-url", ERP::baseUrl);
		registry.add("spring.security.oauth2.client.provider.erp.token-uri", ERP::tokenUri);
	}

	@BeforeEach
	void resetStandIns() {
		warmUpOnce();
		if (freshStandInsForEachTest()) {
			STAND_INS.reset();
		}
	}

	/** Whether the stand-ins are reset before each test; a class whose tests build on each other resets itself. */
	protected boolean freshStandInsForEachTest() {
		return true;
	}

	/**
	 * The first calls of a fresh JVM (class loading, JIT, first connections) can take longer than the short
	 * timeouts of this context on a busy machine: a webhook and an event are sent until accepted first.
	 */
	private void warmUpOnce() {
		if (warm) {
			return;
		}
		for (int i = 0; i < 5; i++) {
			STAND_INS.reset();
			HttpResponse<String> webhook = postSigned("/orderWebhook", "msg_warmup_" + System.nanoTime(),
					warmUpSample("webhooks/order-created.json"));
			HttpResponse<String> event = postRaw("/orderStatusSync", "application/cloudevents+json",
					warmUpSample("events/status-shipped.json"), Map.of());
			if (webhook.statusCode() == 200 && event.statusCode() == 202) {
				break;
			}
		}
		STAND_INS.reset();
		warm = true;
	}

	/** A sample about an order no test looks at (tests assert on every log line of theirs). */
	private static byte[] warmUpSample(String path) {
		return new String(sample(path), StandardCharsets.UTF_8).replace("SO-100234", "SO-WARMUP")
			.getBytes(StandardCharsets.UTF_8);
	}

	protected String baseUrl() {
		return "http://localhost:" + this.port;
	}

	protected URI uri(String path) {
		return URI.create(baseUrl() + path);
	}

	/** Sends requests with exactly the given header lines, as a webhook sender or Knative does. */
	protected HttpProbe http() {
		return new HttpProbe(baseUrl());
	}

	/** A sample from src/test/resources/samples/, byte for byte. */
	protected static byte[] sample(String path) {
		try (InputStream in = IntegrationTestSupport.class.getResourceAsStream("/samples/" + path)) {
			if (in == null) {
				throw new IllegalArgumentException("no sample " + path);
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	protected HttpResponse<String> send(HttpRequest request) {
		try {
			return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** POSTs a body as JSON, signed with the sandbox secret under the given webhook id. */
	protected HttpResponse<String> postSigned(String path, String webhookId, byte[] body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		SIGNER.headers(webhookId, body).forEach(request::header);
		return send(request.build());
	}

	protected HttpResponse<String> postRaw(String path, String contentType, byte[] body, Map<String, String> headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
			.header("Content-Type", contentType)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		headers.forEach(request::header);
		return send(request.build());
	}

	protected static JsonNode json(HttpResponse<String> response) {
		return JSON.readTree(response.body());
	}

	/** Every value whose appearance in a response or a log line is a leak. */
	protected static List<String> secrets() {
		List<String> secrets = new ArrayList<>();
		for (String secret : List.of(NEW_SECRET, OLD_SECRET)) {
			secrets.add(secret);
			secrets.add(secret.substring("whsec_".length()));
			secrets.add(new String(Base64.getDecoder().decode(secret.substring("whsec_".length())),
					StandardCharsets.UTF_8));
		}
		secrets.add(TOKEN);
		secrets.add(ERP_CLIENT_SECRET);
		secrets.add(ErpStandIn.TOKEN_PREFIX);
		return secrets;
	}

}
