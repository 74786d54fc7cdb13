package com.acme.integration.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the HTTP integration tests (order webhook and order status sync): one application context (same
 * properties for every subclass, so Spring's test context cache starts it once per JVM) on a random
 * port, against one {@link OrdersApiStandIn} on a dynamic port, reset before each test. A short
 * deadline (4 s instead of 10 s) keeps the fault tests quick; the attempt timeout (1.5 s) leaves
 * room for a cold WireMock on a busy machine.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.cloud.function.definition=orderWebhook;mapOrder;orderStatusSync",
				"integration.customer.key=mueller",
				"integration.webhook.secrets=" + WebhookSigner.SANDBOX_SECRET,
				"integration.webhook.smoke-secrets=" + IntegrationTestSupport.SMOKE_SECRET,
				"integration.orders-api.token=" + IntegrationTestSupport.TOKEN,
				"integration.orders-api.deadline=4s", "integration.orders-api.connect-timeout=1s",
				"integration.orders-api.read-timeout=1500ms", "integration.orders-api.initial-backoff=50ms",
				"integration.orders-api.max-backoff=200ms", "integration.orders-api.unavailable-retry-after=30s",
				// orderStatusSync's ERP (status tests stub it on the same WireMock, under /erp)
				"integration.erp.connect-timeout=1s", "integration.erp.read-timeout=5s",
				"spring.security.oauth2.client.registration.erp.client-id=" + IntegrationTestSupport.ERP_CLIENT_ID,
				"spring.security.oauth2.client.registration.erp.client-secret=" + IntegrationTestSupport.ERP_CLIENT_SECRET,
				"spring.security.oauth2.client.registration.erp.authorization-grant-type=client_credentials" })
public abstract class IntegrationTestSupport {

	public static final String TOKEN = "test-orders-api-token";

	/** Test-only secret reserved for smoke checks (base64 of "test-only-smoke-check-secret"). */
	public static final String SMOKE_SECRET = "whsec_dGVzdC1vbmx5LXNtb2tlLWNoZWNrLXNlY3JldA==";

	public static final String ERP_CLIENT_ID = "test-erp-client";

	public static final String ERP_CLIENT_SECRET = "test-erp-client-secret";

	public static final OrdersApiStandIn ORDERS_API = OrdersApiStandIn.start(0, TOKEN);

	protected static final JsonMapper JSON = JsonMapper.builder().build();

	protected static final WebhookSigner SIGNER = new WebhookSigner(WebhookSigner.SANDBOX_SECRET);

	private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@LocalServerPort
	protected int port;

	@DynamicPropertySource
	static void ordersApi(DynamicPropertyRegistry registry) {
		registry.add("integration.orders-api.base-url", ORDERS_API::baseUrl);
		registry.add("integration.erp.base-url", () -> ORDERS_API.baseUrl() + "/erp");
		registry.add("spring.security.oauth2.client.provider.erp.token-uri",
				() -> ORDERS_API.baseUrl() + "/erp/oauth/token");
	}

	@BeforeEach
	void resetOrdersApi() {
		ORDERS_API.reset();
	}

	protected URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
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

}
