package com.acme.integration.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Over HTTP through the real nginx front. Each test that touches a rate-limited path comes from
 * its own client address (X-Forwarded-For, trusted from 127.0.0.1 in this environment), so the
 * tests do not share a rate-limit bucket.
 */
@ExtendWith(FrontStackExtension.class)
class FrontHttpIntegrationTests {

	private static final AtomicInteger CLIENTS = new AtomicInteger(10);

	private static FrontStack stack;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void stack(FrontStack frontStack) {
		stack = frontStack;
	}

	private static String newClientAddress() {
		return "203.0.113." + CLIENTS.incrementAndGet();
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return http.send(HttpRequest.newBuilder(stack.front.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, byte[] body, String client, String... headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(stack.front.resolve(path))
			.header("Content-Type", "application/json")
			.header("X-Forwarded-For", client)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static void assertSecurityHeaders(HttpResponse<?> response) {
		var headers = response.headers();
		assertThat(headers.firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
			.contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")
			.doesNotContain("unsafe-inline"));
		assertThat(headers.firstValue("Strict-Transport-Security")).hasValueSatisfying(v -> assertThat(v).startsWith("max-age="));
		// Exactly once: the functions' own copies are hidden, the front's are the only ones.
		assertThat(headers.allValues("X-Content-Type-Options")).containsExactly("nosniff");
		assertThat(headers.allValues("Content-Security-Policy")).hasSize(1);
		assertThat(headers.firstValue("Referrer-Policy")).contains("no-referrer");
		assertThat(headers.firstValue("X-Request-Id")).hasValueSatisfying(v -> assertThat(v).isNotBlank());
		// server_tokens off: no version.
		assertThat(headers.firstValue("Server")).hasValueSatisfying(v -> assertThat(v).doesNotMatch(".*\\d.*"));
	}

	private static byte[] sample(String name) throws IOException {
		return Files.readAllBytes(stack.settings.webhookSample(name));
	}

	@Nested
	class StaticPage {

		@Test
		void servesThePageWithSecurityHeadersAndRevalidation() throws Exception {
			HttpResponse<String> response = get("/");

			assertThat(response.statusCode()).isEqualTo(200);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
			assertThat(response.headers().firstValue("Cache-Control")).contains("no-cache");
			assertThat(response.body()).contains("Preview a payload").doesNotContain("<script>", "style=");
		}

		@Test
		void answersUnknownPagePathsWithThePage() throws Exception {
			HttpResponse<String> response = get("/onboarding/step-2");

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).contains("<title>Connect your ERP");
			assertThat(response.headers().firstValue("Cache-Control")).contains("no-cache");
		}

		@Test
		void cachesHashedAssetsForAYearAndCompressesThem() throws Exception {
			String script = hashedAsset("app", "js");
			HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(stack.front.resolve(script))
				.header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());

			assertThat(response.statusCode()).isEqualTo(200);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
			assertThat(response.headers().firstValue("Content-Encoding")).contains("gzip");
		}

		@Test
		void answersAMissingAssetWith404ProblemThatIsNotCachedForLong() throws Exception {
			HttpResponse<String> response = get("/assets/app.0123456789.js");

			assertThat(response.statusCode()).isEqualTo(404);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
			assertThat(response.headers().firstValue("Cache-Control")).contains("no-cache");
			assertThat(response.body()).contains("\"status\":404", "https://problems.acme.example/not-found");
		}

		@Test
		void reportsItsOwnHealth() throws Exception {
			HttpResponse<String> response = get("/healthz");

			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).contains("UP");
		}

		private String hashedAsset(String stem, String extension) throws IOException {
			String index = Files.readString(stack.settings.workDir().resolve("ui/index.html"));
			var matcher = java.util.regex.Pattern.compile("/assets/" + stem + "\\.[0-9a-f]{10}\\." + extension).matcher(index);
			assertThat(matcher.find()).as("index.html refers to a hashed %s.%s", stem, extension).isTrue();
			return matcher.group();
		}

	}

	@Nested
	class Webhooks {

		@Test
		void passesASignedWebhookByteForByteToOrderWebhookWithTheServiceHost() throws Exception {
			byte[] body = sample("order-created.json");
			String id = "msg_e2e_" + UUID.randomUUID();
			long timestamp = Instant.now().getEpochSecond();

			HttpResponse<String> response = post("/integrations/webhooks/orders", body, newClientAddress(),
					"webhook-id", id, "webhook-timestamp", String.valueOf(timestamp),
					"webhook-signature", Signer.sign(FrontStack.SANDBOX_SECRET, id, timestamp, body),
					"X-Request-Id", "req-" + id);

			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			assertSecurityHeaders(response);
			assertThat(response.body()).contains(FrontStack.CREATED_ORDER_ID, "created");
			assertThat(response.headers().firstValue("X-Request-Id")).contains("req-" + id);

			LoggedRequest atIngress = stack.wireMock.findAll(postRequestedFor(urlEqualTo("/orderWebhook"))
				.withHeader("webhook-id", equalTo(id))).getFirst();
			assertThat(atIngress.getBody()).isEqualTo(body);
			assertThat(atIngress.getHeader("Host")).isEqualTo(FrontStack.WEBHOOK_HOST);
			assertThat(atIngress.getHeader("X-Request-Id")).isEqualTo("req-" + id);
			stack.wireMock.verify(1, postRequestedFor(urlEqualTo("/api/v1/orders")).withHeader("Idempotency-Key", equalTo(id)));
		}

		@Test
		void refusesABodyOverTheLimitWith413ProblemBeforeTheCluster() throws Exception {
			byte[] body = new byte[256 * 1024 + 1];
			java.util.Arrays.fill(body, (byte) ' ');
			String id = "msg_e2e_large_" + UUID.randomUUID();

			HttpResponse<String> response = post("/integrations/webhooks/orders", body, newClientAddress(), "webhook-id", id);

			assertThat(response.statusCode()).isEqualTo(413);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
			assertThat(response.body()).contains("https://problems.acme.example/payload-too-large", "\"status\":413");
			stack.wireMock.verify(0, postRequestedFor(urlEqualTo("/orderWebhook")).withHeader("webhook-id", equalTo(id)));
		}

		@Test
		void acceptsABodyExactlyAtTheLimit() throws Exception {
			byte[] body = new byte[256 * 1024];
			java.util.Arrays.fill(body, (byte) ' ');
			String id = "msg_e2e_limit_" + UUID.randomUUID();

			HttpResponse<String> response = post("/integrations/webhooks/orders", body, newClientAddress(), "webhook-id", id);

			// nginx lets it through; the function then refuses the unsigned request.
			assertThat(response.statusCode()).isNotEqualTo(413);
			stack.wireMock.verify(1, postRequestedFor(urlEqualTo("/orderWebhook")).withHeader("webhook-id", equalTo(id)));
		}

		@Test
		void refusesOtherMethodsWith405AndAllow() throws Exception {
			HttpResponse<String> response = get("/integrations/webhooks/orders");

			assertThat(response.statusCode()).isEqualTo(405);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Allow")).contains("POST");
			assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
		}

		@Test
		void answersUnknownIntegrationPathsWith404Problem() throws Exception {
			HttpResponse<String> response = post("/integrations/webhooks/invoices", "{}".getBytes(StandardCharsets.UTF_8),
					newClientAddress());

			assertThat(response.statusCode()).isEqualTo(404);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
		}

		@Test
		void limitsABurstFromOneClientWith429Problem() throws Exception {
			String client = newClientAddress();
			List<HttpResponse<String>> responses = new ArrayList<>();
			// 30r/m with a burst of 5 in this environment: 20 back-to-back requests overrun it.
			for (int i = 0; i < 20; i++) {
				responses.add(post("/integrations/webhooks/orders", "{}".getBytes(StandardCharsets.UTF_8), client));
			}

			List<Integer> statuses = responses.stream().map(HttpResponse::statusCode).toList();
			assertThat(statuses).contains(429);
			assertThat(statuses.getFirst()).isNotEqualTo(429);
			HttpResponse<String> limited = responses.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
			assertSecurityHeaders(limited);
			assertThat(limited.headers().firstValue("Retry-After")).isPresent();
			assertThat(limited.headers().firstValue("Content-Type")).contains("application/problem+json");
			assertThat(limited.body()).contains("https://problems.acme.example/too-many-requests");

			// Another client is not affected.
			HttpResponse<String> other = post("/integrations/webhooks/orders", "{}".getBytes(StandardCharsets.UTF_8), newClientAddress());
			assertThat(other.statusCode()).isNotEqualTo(429);
		}

	}

	@Nested
	class Preview {

		@Test
		void passesThePayloadToMapOrderWithThePreviewHost() throws Exception {
			byte[] body = sample("order-created.json");

			HttpResponse<String> response = post("/integrations/preview/order", body, newClientAddress());

			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			assertSecurityHeaders(response);
			assertThat(response.headers().allValues("Cache-Control")).containsExactly("no-store");
			assertThat(response.body()).contains("\"externalRef\":\"mueller:SO-100234\"", "\"amount\":\"19.99\"");
			LoggedRequest atIngress = stack.wireMock.findAll(postRequestedFor(urlEqualTo("/mapOrder"))).getLast();
			assertThat(atIngress.getHeader("Host")).isEqualTo(FrontStack.PREVIEW_HOST);
			assertThat(atIngress.getBody()).isEqualTo(body);
		}

		@Test
		void passesTheFunctionsFieldErrorsThrough() throws Exception {
			HttpResponse<String> response = post("/integrations/preview/order", sample("invalid-order.json"), newClientAddress());

			assertThat(response.statusCode()).isEqualTo(422);
			assertSecurityHeaders(response);
			assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
			assertThat(response.body()).contains("\"errors\"", "\"pointer\":\"#/data/items/0/quantity\"");
		}

		@Test
		void passesAMergeRequestPreviewToItsTaggedRevisionsClusterLocalName() throws Exception {
			byte[] body = sample("order-created.json");

			HttpResponse<String> response = post("/integrations/previews/" + FrontStack.REVIEW_TAG + "/order", body,
					newClientAddress());

			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			assertSecurityHeaders(response);
			assertThat(response.body()).contains("\"externalRef\":\"mueller:SO-100234\"");
			LoggedRequest atGateway = stack.wireMock.findAll(postRequestedFor(urlEqualTo("/mapOrder"))).getLast();
			assertThat(atGateway.getHeader("Host")).isEqualTo(FrontStack.REVIEW_HOST);
			assertThat(stack.dns.questions()).contains(FrontStack.REVIEW_HOST);
		}

		@Test
		void refusesTagsThatAreNotMergeRequestPreviews() throws Exception {
			int before = stack.wireMock.findAll(postRequestedFor(urlEqualTo("/mapOrder"))).size();

			// "candidate" and "current" are the rollout's own tags: never reachable through the front.
			for (String tag : List.of("candidate", "current", "mr-x")) {
				HttpResponse<String> response = post("/integrations/previews/" + tag + "/order", sample("order-created.json"),
						newClientAddress());
				assertThat(response.statusCode()).as(tag).isEqualTo(404);
				assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
			}
			assertThat(stack.wireMock.findAll(postRequestedFor(urlEqualTo("/mapOrder")))).hasSize(before);
			assertThat(get("/integrations/previews/" + FrontStack.REVIEW_TAG + "/order").statusCode()).isEqualTo(405);
		}

	}

	/** The front is the only way to the functions, and only to their function paths. */
	@Nested
	class OneWayIn {

		@Test
		void neverPassesTheFunctionsManagementEndpoints() throws Exception {
			for (String path : List.of("/actuator", "/actuator/", "/actuator/health", "/actuator/health/readiness",
					"/actuator/prometheus", "/actuator/info", "/actuator/env")) {
				HttpResponse<String> get = get(path);
				assertThat(get.statusCode()).as(path).isEqualTo(404);
				assertThat(get.headers().firstValue("Content-Type")).as(path).contains("application/problem+json");
				assertThat(post(path, "{}".getBytes(StandardCharsets.UTF_8), newClientAddress()).statusCode()).as(path)
					.isEqualTo(404);
			}
			assertThat(stack.wireMock.getAllServeEvents())
				.noneSatisfy(event -> assertThat(event.getRequest().getUrl()).startsWith("/actuator"));
		}

		@Test
		void neverPassesOrderStatusSync() throws Exception {
			HttpResponse<String> response = post("/orderStatusSync", "{}".getBytes(StandardCharsets.UTF_8), newClientAddress());
			assertThat(response.statusCode()).isIn(404, 405);
			assertThat(post("/integrations/orderStatusSync", "{}".getBytes(StandardCharsets.UTF_8), newClientAddress())
				.statusCode()).isEqualTo(404);
			assertThat(stack.wireMock.getAllServeEvents())
				.noneSatisfy(event -> assertThat(event.getRequest().getUrl()).contains("orderStatusSync"));
		}

		@Test
		void addressesTheFunctionsOnlyByTheirClusterLocalNames() throws Exception {
			post("/integrations/webhooks/orders", sample("order-created.json"), newClientAddress());

			assertThat(stack.wireMock.getAllServeEvents()).isNotEmpty()
				.filteredOn(event -> !event.getRequest().getUrl().startsWith("/api/"))
				.allSatisfy(event -> assertThat(event.getRequest().getHeader("Host"))
					.isIn(FrontStack.WEBHOOK_HOST, FrontStack.PREVIEW_HOST, FrontStack.REVIEW_HOST));
			assertThat(stack.dns.questions()).isNotEmpty()
				.allSatisfy(name -> assertThat(name).endsWith(".svc.cluster.local"))
				.contains(FrontStack.WEBHOOK_HOST);
		}

	}

}
