package com.acme.integration.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import com.acme.integration.sandbox.IntegrationTestSupport;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

/** What every function path answers before any function runs, and what responses never carry. */
class HttpEdgeIntegrationTests extends IntegrationTestSupport {

	static final int LIMIT = 256 * 1024;

	static void assertProblem(HttpResponse<String> response, int status, String slug) {
		assertThat(response.statusCode()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = json(response);
		assertThat(problem.get("type").stringValue()).isEqualTo("https://problems.acme.example/" + slug);
		assertThat(problem.get("status").intValue()).isEqualTo(status);
		assertThat(response.body()).doesNotContain("Exception", "at org.");
		ORDERS_API.server().verify(0, anyRequestedFor(anyUrl()));
	}

	static byte[] jsonOfSize(int size) {
		byte[] body = new byte[size];
		Arrays.fill(body, (byte) ' ');
		body[0] = '{';
		body[size - 1] = '}';
		return body;
	}

	@Nested
	class Methods {

		@ParameterizedTest
		@ValueSource(strings = { "GET", "PUT", "DELETE", "PATCH" })
		void answersOtherMethodsThanPostWith405AndAllow(String method) {
			HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/orderWebhook"))
				.method(method, HttpRequest.BodyPublishers.noBody())
				.build());

			assertThat(response.headers().firstValue("Allow")).hasValue("POST");
			if (!method.equals("HEAD")) {
				assertProblem(response, 405, "method-not-allowed");
			}
		}

		@Test
		void answersGetOnMapOrderWith405Too() {
			HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/mapOrder")).GET().build());

			assertProblem(response, 405, "method-not-allowed");
		}

	}

	@Nested
	class Paths {

		@Test
		void answersPathsOutsideTheDefinitionWith404() {
			HttpResponse<String> response = postRaw("/noSuchFunction", "application/json", "{}".getBytes(), Map.of());

			assertProblem(response, 404, "not-found");
		}

		@Test
		void doesNotServeCatalogFunctionsThatAreNotInTheDefinition() {
			HttpResponse<String> response = postRaw("/functionRouter", "application/json", "{}".getBytes(),
					Map.of("spring.cloud.function.definition", "mapOrder"));

			assertProblem(response, 404, "not-found");
		}

		@Test
		void doesNotServeSubPathsOfAFunction() {
			HttpResponse<String> response = postRaw("/orderWebhook/extra", "application/json", "{}".getBytes(), Map.of());

			assertProblem(response, 404, "not-found");
		}

		@Test
		void exposesOnlyHealthProbesInfoAndPrometheusAndNeverFallsBackToAFunction() {
			assertThat(send(HttpRequest.newBuilder(uri("/actuator/health/liveness")).build()).statusCode())
				.isEqualTo(200);
			assertThat(send(HttpRequest.newBuilder(uri("/actuator/health/readiness")).build()).statusCode())
				.isEqualTo(200);
			assertThat(send(HttpRequest.newBuilder(uri("/actuator/prometheus")).build()).statusCode()).isEqualTo(200);
			assertThat(send(HttpRequest.newBuilder(uri("/actuator")).build()).body()).contains("health", "prometheus")
				.doesNotContain("/actuator/env", "/actuator/beans");
			for (String hidden : new String[] { "/actuator/env", "/actuator/beans", "/actuator/configprops" }) {
				assertProblem(send(HttpRequest.newBuilder(uri(hidden)).build()), 404, "not-found");
			}
		}

	}

	@Nested
	class ContentTypes {

		@ParameterizedTest
		@ValueSource(strings = { "text/plain", "application/xml", "application/x-www-form-urlencoded", "not a type" })
		void answersNonJsonWith415(String contentType) {
			HttpResponse<String> response = postRaw("/orderWebhook", contentType, "{}".getBytes(), Map.of());

			assertProblem(response, 415, "unsupported-media-type");
		}

		@Test
		void answersMissingContentTypeWith415() {
			HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/mapOrder"))
				.POST(HttpRequest.BodyPublishers.ofString("{}"))
				.build());

			assertProblem(response, 415, "unsupported-media-type");
		}

		@Test
		void acceptsJsonWithCharsetAndStructuredSuffixes() {
			HttpResponse<String> withCharset = postRaw("/mapOrder", "application/json; charset=utf-8",
					sample("webhooks/order-created.json"), Map.of());
			HttpResponse<String> suffixed = postRaw("/mapOrder", "application/vnd.customer.order+json",
					sample("webhooks/order-created.json"), Map.of());

			assertThat(withCharset.statusCode()).isEqualTo(200);
			assertThat(suffixed.statusCode()).isEqualTo(200);
		}

	}

	@Nested
	class BodySize {

		@Test
		void answersContentLengthOverTheLimitWith413() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", jsonOfSize(LIMIT + 1), Map.of());

			assertProblem(response, 413, "payload-too-large");
		}

		@Test
		void answersChunkedBodyOverTheLimitWith413() {
			byte[] body = jsonOfSize(LIMIT + 1);
			HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/orderWebhook"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
				.build());

			assertProblem(response, 413, "payload-too-large");
		}

		@Test
		void letsABodyOfExactlyTheLimitThrough() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", jsonOfSize(LIMIT), Map.of());

			assertProblem(response, 401, "invalid-signature");
		}

		@Test
		@ExtendWith(OutputCaptureExtension.class)
		void answersABodyCutShortByTheClientWith503NeverWithAFinal400(CapturedOutput output) throws IOException {
			String id = "msg_truncated_body";
			String answer;
			try (Socket socket = new Socket(uri("/").getHost(), uri("/").getPort())) {
				socket.setSoTimeout(30_000);
				OutputStream out = socket.getOutputStream();
				out.write(("POST /orderWebhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
						+ "webhook-id: " + id + "\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"type\":")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				// Ten of the hundred bytes announced, then the client is done sending.
				socket.shutdownOutput();
				answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
			}

			assertThat(answer).startsWith("HTTP/1.1 503 ").containsIgnoringCase("Retry-After: ");
			assertThat(output.getOut().lines().filter(line -> line.contains("could not be read completely")))
				.singleElement()
				.satisfies(line -> assertThat(line).contains(" WARN ", "[" + id + "]"));
			ORDERS_API.server().verify(0, anyRequestedFor(anyUrl()));
		}

		@Test
		void answersAnEmptyBodyWith400() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", new byte[0], Map.of());

			assertProblem(response, 400, "malformed-json");
		}

		@Test
		void answersAnEmptyEventToOrderStatusSyncWith400Too() {
			HttpResponse<String> response = postRaw("/orderStatusSync", "application/json", new byte[0], Map.of());

			assertProblem(response, 400, "malformed-json");
		}

	}

	@Nested
	class HeaderSize {

		@Test
		void takesHeadersOfAThousandSignatures() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", jsonOfSize(2),
					Map.of("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ".repeat(1000)));

			assertProblem(response, 401, "invalid-signature");
		}

		@Test
		void answersHeadersOverTheLimitWithAProblemNotTomcatsHtmlPage() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json", jsonOfSize(2),
					Map.of("webhook-signature", "v".repeat(65 * 1024)));

			assertProblem(response, 400, "bad-request");
			assertThat(response.body()).doesNotContainIgnoringCase("<html").doesNotContain("Tomcat");
		}

	}

	@Nested
	class ResponseHeaders {

		static final Map<String, String> REQUEST_HEADERS = Map.of("ce-id", "evt-1", "ce-source", "/erp",
				"webhook-id", "msg_echo", "webhook-timestamp", "1", "webhook-signature", "v1,c2lnbmF0dXJl",
				"Authorization", "Bearer caller-secret", "Cookie", "session=caller", "User-Agent", "customer-erp/1.0",
				"X-Anything-Else", "leak", "Idempotency-Key", "k-1");

		@Test
		void successfulResponsesDoNotEchoRequestHeaders() {
			HttpResponse<String> response = postRaw("/mapOrder", "application/json", sample("webhooks/order-created.json"),
					REQUEST_HEADERS);

			assertThat(response.statusCode()).isEqualTo(200);
			assertNoEcho(response);
		}

		@Test
		void responsesAreNotToBeCachedOrSniffed() {
			HttpResponse<String> ok = postRaw("/mapOrder", "application/json", sample("webhooks/order-created.json"),
					Map.of());
			HttpResponse<String> problem = postRaw("/orderWebhook", "application/json",
					sample("webhooks/order-created.json"), Map.of());

			assertThat(List.of(ok, problem)).allSatisfy(response -> {
				assertThat(response.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
				assertThat(response.headers().allValues("Cache-Control")).containsExactly("no-store");
			});
		}

		@Test
		void problemResponsesDoNotEchoRequestHeaders() {
			HttpResponse<String> response = postRaw("/orderWebhook", "application/json",
					sample("webhooks/order-created.json"), REQUEST_HEADERS);

			assertThat(response.statusCode()).isEqualTo(401);
			assertNoEcho(response);
		}

		private static void assertNoEcho(HttpResponse<String> response) {
			assertThat(response.headers().map().keySet()).allSatisfy(name -> assertThat(name.toLowerCase())
				.isNotIn("authorization", "cookie", "user-agent", "x-anything-else", "idempotency-key")
				.doesNotStartWith("ce-")
				.doesNotStartWith("webhook-"));
			assertThat(response.headers().map().values().toString()).doesNotContain("caller-secret", "session=caller",
					"customer-erp", "leak", "evt-1", "msg_echo");
		}

	}

}
