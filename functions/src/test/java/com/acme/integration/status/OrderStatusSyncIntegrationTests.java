package com.acme.integration.status;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;

import com.acme.integration.sandbox.IntegrationTestSupport;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * orderStatusSync over real HTTP, as a Knative Trigger delivers, against a WireMock ERP with its OAuth2 token
 * endpoint (the shared stand-in, paths /erp/...). Asserts what Knative sees (status, body, headers) and what
 * the ERP received. Shares the application context of the other HTTP integration tests.
 */
class OrderStatusSyncIntegrationTests extends IntegrationTestSupport {

	static final String STATUS_PATH = "/erp/api/orders/SO-100234/status";

	/** The shared stand-in WireMock: reset before each test by the superclass; the ERP lives under /erp. */
	static final WireMockServer WIREMOCK = ORDERS_API.server();

	private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@Autowired
	MeterRegistry meters;

	@Autowired
	OAuth2AuthorizedClientService authorizedClients;

	@BeforeEach
	void freshErp() {
		this.authorizedClients.removeAuthorizedClient("erp",
				OrderStatusSyncConfiguration.ERP_CLIENT_PRINCIPAL.getName());
		tokenEndpointIssues("token-1", 3600);
		erpAnswers(204);
	}

	@Test
	void forwardsStructuredEventAndAcknowledgesWith202AndNoBody() {
		double forwarded = events("forwarded");

		Answer answer = postStructured("status-shipped.json");

		assertThat(answer.status()).isEqualTo(202);
		assertThat(answer.body()).isEmpty();
		assertThat(events("forwarded")).isEqualTo(forwarded + 1);
		WIREMOCK.verify(1, putRequestedFor(urlEqualTo(STATUS_PATH))
			.withHeader("Authorization", equalTo("Bearer token-1"))
			.withHeader("Content-Type", containing("application/json"))
			.withRequestBody(equalToJson("""
					{"status": "shipped", "trackingNo": "00340434161234567890", "carrier": "DHL",
					 "updatedAt": "2026-11-24T12:00:00Z"}""")));
	}

	@Test
	void forwardsBinaryEventWithCeHeaders() {
		StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");

		Answer answer = deliver(binary.headers(), binary.body());

		assertThat(answer.status()).isEqualTo(202);
		assertThat(answer.body()).isEmpty();
		WIREMOCK.verify(1, putRequestedFor(urlEqualTo(STATUS_PATH))
			.withHeader("Authorization", equalTo("Bearer token-1"))
			.withRequestBody(equalToJson("""
					{"status": "shipped", "trackingNo": "00340434161234567890", "carrier": "DHL",
					 "updatedAt": "2026-11-24T12:00:00Z"}""")));
	}

	@Test
	void echoesNoCeHeaderNorOtherRequestHeaderBack() {
		StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");
		Map<String, Object> headers = new java.util.LinkedHashMap<>(binary.headers());
		headers.put("ce-knativearrivaltime", "2026-11-24T12:00:02Z");
		headers.put("ce-traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
		headers.put("Prefer", "reply");

		Answer answer = deliver(headers, binary.body());

		assertThat(answer.status()).isEqualTo(202);
		assertThat(answer.headers().keySet()).noneMatch(name -> name.toLowerCase().startsWith("ce-"))
			.doesNotContain("prefer");
	}

	@Test
	void asksTheTokenEndpointWithClientCredentialsOnceAndReusesTheToken() {
		postStructured("status-shipped.json");
		postStructured("status-accepted.json");

		WIREMOCK.verify(1, postRequestedFor(urlEqualTo("/erp/oauth/token"))
			.withHeader("Authorization", equalTo(basic(ERP_CLIENT_ID, ERP_CLIENT_SECRET)))
			.withRequestBody(containing("grant_type=client_credentials")));
		WIREMOCK.verify(2, putRequestedFor(urlEqualTo(STATUS_PATH)).withHeader("Authorization",
				equalTo("Bearer token-1")));
	}

	@Test
	void fetchesOneTokenForEventsArrivingTogether() throws Exception {
		WIREMOCK.stubFor(post(urlEqualTo("/erp/oauth/token"))
			.willReturn(tokenResponse("token-1", 3600).withFixedDelay(500)));
		List<java.util.concurrent.Callable<Answer>> events = List.of(() -> postStructured("status-shipped.json"),
				() -> postStructured("status-accepted.json"), () -> postStructured("status-shipped.json"),
				() -> postStructured("status-accepted.json"));

		try (var executor = java.util.concurrent.Executors.newFixedThreadPool(events.size())) {
			for (var answer : executor.invokeAll(events)) {
				assertThat(answer.get().status()).isEqualTo(202);
			}
		}

		WIREMOCK.verify(1, postRequestedFor(urlEqualTo("/erp/oauth/token")));
		WIREMOCK.verify(4, putRequestedFor(urlEqualTo(STATUS_PATH)).withHeader("Authorization",
				equalTo("Bearer token-1")));
	}

	@Test
	void fetchesANewTokenOnceTheCachedOneExpires() {
		// Spring Security treats a token as expired 60 s before its expiry: 30 s is expired at the next use.
		WIREMOCK.resetAll();
		tokenEndpointIssuesInTurn(30, "short-1", "short-2");
		erpAnswers(204);

		postStructured("status-shipped.json");
		postStructured("status-accepted.json");

		WIREMOCK.verify(2, postRequestedFor(urlEqualTo("/erp/oauth/token")));
		WIREMOCK.verify(1, putRequestedFor(urlEqualTo(STATUS_PATH)).withHeader("Authorization",
				equalTo("Bearer short-1")));
		WIREMOCK.verify(1, putRequestedFor(urlEqualTo(STATUS_PATH)).withHeader("Authorization",
				equalTo("Bearer short-2")));
	}

	@Test
	void renewsTheTokenOnceWhenTheErpAnswers401() {
		WIREMOCK.resetAll();
		tokenEndpointIssuesInTurn(3600, "revoked", "fresh");
		WIREMOCK.stubFor(put(urlPathMatching("/erp/api/orders/.*/status"))
			.withHeader("Authorization", equalTo("Bearer revoked"))
			.willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
		WIREMOCK.stubFor(put(urlPathMatching("/erp/api/orders/.*/status"))
			.withHeader("Authorization", equalTo("Bearer fresh"))
			.willReturn(aResponse().withStatus(204)));

		Answer answer = postStructured("status-shipped.json");

		assertThat(answer.status()).isEqualTo(202);
		WIREMOCK.verify(2, postRequestedFor(urlEqualTo("/erp/oauth/token")));
		WIREMOCK.verify(2, putRequestedFor(urlEqualTo(STATUS_PATH)));
	}

	@Test
	void skipsAnotherCustomersOrderWithoutCallingTheErp() {
		double skipped = events("skipped");

		Answer answer = postStructured("foreign-customer.json");

		assertThat(answer.status()).isEqualTo(202);
		assertThat(answer.body()).isEmpty();
		assertThat(events("skipped")).isEqualTo(skipped + 1);
		assertThat(WIREMOCK.getAllServeEvents()).isEmpty();
	}

	@Nested
	class AsksKnativeToRetry {

		@ParameterizedTest
		@ValueSource(ints = { 500, 502, 503, 504, 408 })
		void with503WhenTheErpFailsOrTimesOutOnItsSide(int erpStatus) {
			erpAnswers(erpStatus);
			double transientFailures = events("transient");

			Answer answer = postStructured("status-shipped.json");

			assertProblem(answer, 503, "https://problems.acme.example/upstream-unavailable");
			assertThat(answer.headers()).doesNotContainKey("retry-after");
			assertThat(events("transient")).isEqualTo(transientFailures + 1);
		}

		@Test
		void with429AndTheErpsRetryAfterWhenTheErpThrottles() {
			WIREMOCK.stubFor(put(urlPathMatching("/erp/api/orders/.*/status"))
				.willReturn(aResponse().withStatus(429).withHeader("Retry-After", "30")));

			Answer answer = postStructured("status-shipped.json");

			assertProblem(answer, 429, "https://problems.acme.example/upstream-unavailable");
			assertThat(answer.headers().get("retry-after")).containsExactly("30");
		}

		@Test
		void with503WhenTheErpAnswersSlowerThanTheReadTimeout() {
			WIREMOCK.stubFor(put(urlPathMatching("/erp/api/orders/.*/status"))
				.willReturn(aResponse().withStatus(204).withFixedDelay(7000)));

			assertProblem(postStructured("status-shipped.json"), 503,
					"https://problems.acme.example/upstream-unavailable");
		}

		@Test
		void with503WhenTheErpResetsTheConnection() {
			WIREMOCK.stubFor(put(urlPathMatching("/erp/api/orders/.*/status"))
				.willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

			assertProblem(postStructured("status-shipped.json"), 503,
					"https://problems.acme.example/upstream-unavailable");
		}

		@Test
		void with503WhenTheTokenEndpointFails() {
			WIREMOCK.stubFor(post(urlEqualTo("/erp/oauth/token")).willReturn(aResponse().withStatus(503)));

			assertProblem(postStructured("status-shipped.json"), 503,
					"https://problems.acme.example/upstream-unavailable");
			WIREMOCK.verify(0, putRequestedFor(urlPathMatching("/erp/api/.*")));
		}

		@Test
		void with503WhenTheErpRefusesEvenAFreshToken() {
			erpAnswers(401);

			assertProblem(postStructured("status-shipped.json"), 503,
					"https://problems.acme.example/upstream-unavailable");
			WIREMOCK.verify(2, postRequestedFor(urlEqualTo("/erp/oauth/token")));
			WIREMOCK.verify(2, putRequestedFor(urlEqualTo(STATUS_PATH)));
		}

	}

	@Nested
	class SendsTheEventToTheDeadLetterSink {

		@ParameterizedTest
		@ValueSource(ints = { 400, 403, 404, 422 })
		void with422WhenTheErpRejectsTheUpdate(int erpStatus) {
			erpAnswers(erpStatus);
			double permanentFailures = events("permanent");

			Answer answer = postStructured("status-shipped.json");

			JsonNode problem = assertProblem(answer, 422, "https://problems.acme.example/upstream-rejected");
			assertThat(problem.get("upstreamStatus").asInt()).isEqualTo(erpStatus);
			assertThat(events("permanent")).isEqualTo(permanentFailures + 1);
			WIREMOCK.verify(1, putRequestedFor(urlEqualTo(STATUS_PATH)));
		}

		@Test
		void with422AndThePointerWhenTheStatusIsUnknown() {
			double permanentFailures = events("permanent");

			Answer answer = postStructured("unknown-status.json");

			JsonNode problem = assertProblem(answer, 422, "https://problems.acme.example/validation-failed");
			assertThat(problem.get("errors").get(0).get("pointer").asString()).isEqualTo("#/data/status");
			assertThat(events("permanent")).isEqualTo(permanentFailures + 1);
			assertThat(WIREMOCK.getAllServeEvents()).isEmpty();
		}

		@Test
		void with422WhenShippedComesWithoutTrackingNumber() {
			JsonNode problem = assertProblem(postStructured("shipped-without-tracking.json"), 422,
					"https://problems.acme.example/validation-failed");

			assertThat(problem.get("errors").get(0).get("pointer").asString()).isEqualTo("#/data/trackingNumber");
			assertThat(WIREMOCK.getAllServeEvents()).isEmpty();
		}

		@Test
		void with422WhenTheBinaryEventHasAnotherType() {
			StatusSamples.Binary binary = StatusSamples.binary("wrong-type.json");

			JsonNode problem = assertProblem(deliver(binary.headers(), binary.body()), 422,
					"https://problems.acme.example/validation-failed");

			assertThat(problem.get("errors").get(0).get("header").asString()).isEqualTo("ce-type");
			assertThat(WIREMOCK.getAllServeEvents()).isEmpty();
		}

		@Test
		void with422WhenTheDataIsNotUtf8() {
			StatusSamples.Binary binary = StatusSamples.binary("status-shipped.json");
			byte[] latin1 = new String(binary.body(), StandardCharsets.UTF_8).replace("DHL", "Spedition M\u00fcller")
				.getBytes(StandardCharsets.ISO_8859_1);

			assertProblem(deliver(binary.headers(), latin1), 422, "https://problems.acme.example/validation-failed");
			assertThat(WIREMOCK.getAllServeEvents()).isEmpty();
		}

		@Test
		void with422WhenTheStructuredEventIsNotJson() {
			Answer answer = deliver(StatusSamples.structuredHeaders(),
					"{\"specversion\": \"1.0\",".getBytes(StandardCharsets.UTF_8));

			assertProblem(answer, 422, "https://problems.acme.example/validation-failed");
		}

	}

	@Test
	void timesEveryErpExchange() {
		long before = erpRequests("success");

		postStructured("status-shipped.json");

		assertThat(erpRequests("success")).isEqualTo(before + 1);
	}

	private JsonNode assertProblem(Answer answer, int status, String type) {
		assertThat(answer.status()).isEqualTo(status);
		assertThat(answer.headers().get("content-type")).singleElement().asString()
			.startsWith("application/problem+json");
		JsonNode problem = StatusSamples.JSON.readTree(answer.body());
		assertThat(problem.get("type").asString()).isEqualTo(type);
		assertThat(problem.get("status").asInt()).isEqualTo(status);
		assertThat(answer.text()).doesNotContain(WIREMOCK.baseUrl(), "token-1", ERP_CLIENT_SECRET, "Exception");
		return problem;
	}

	private double events(String outcome) {
		return this.meters.get(ErpStatusMetrics.EVENTS).tag("outcome", outcome).counter().count();
	}

	private long erpRequests(String outcome) {
		var timer = this.meters.find(ErpStatusMetrics.ERP_REQUESTS).tag("outcome", outcome).timer();
		return (timer != null) ? timer.count() : 0;
	}

	private static void tokenEndpointIssues(String token, int expiresIn) {
		WIREMOCK.stubFor(post(urlEqualTo("/erp/oauth/token")).willReturn(tokenResponse(token, expiresIn)));
	}

	private static void tokenEndpointIssuesInTurn(int expiresIn, String... tokens) {
		for (int i = 0; i < tokens.length; i++) {
			String state = (i == 0) ? Scenario.STARTED : "issued-" + i;
			WIREMOCK.stubFor(post(urlEqualTo("/erp/oauth/token")).inScenario("tokens")
				.whenScenarioStateIs(state)
				.willSetStateTo("issued-" + (i + 1))
				.willReturn(tokenResponse(tokens[i], expiresIn)));
		}
	}

	private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder tokenResponse(String token,
			int expiresIn) {
		return aResponse().withStatus(200)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"access_token\": \"" + token + "\", \"token_type\": \"Bearer\", \"expires_in\": " + expiresIn
					+ "}");
	}

	private static void erpAnswers(int status) {
		WIREMOCK.stubFor(put(urlPathMatching("/erp/api/orders/.*/status")).willReturn(aResponse().withStatus(status)));
	}

	private static String basic(String user, String password) {
		return "Basic " + java.util.Base64.getEncoder()
			.encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
	}

	private Answer postStructured(String sample) {
		return deliver(StatusSamples.structuredHeaders(), StatusSamples.structured(sample));
	}

	private Answer deliver(Map<String, Object> headers, byte[] body) {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create("http://localhost:" + this.port + "/orderStatusSync"))
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		headers.forEach((name, value) -> request.header(name, String.valueOf(value)));
		try {
			HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
			Answer answer = new Answer(response.statusCode(), response.headers().map(), response.body());
			assertThat(answer.headers().keySet()).as("no response is taken for a reply event")
				.noneMatch(name -> name.toLowerCase().startsWith("ce-"));
			return answer;
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	record Answer(int status, Map<String, List<String>> headers, byte[] body) {

		String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

	}

}
