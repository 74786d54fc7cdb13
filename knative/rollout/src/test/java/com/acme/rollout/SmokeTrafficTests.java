package com.acme.rollout;

import com.acme.integration.standardwebhooks.WebhookSigner;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The smoke requests as the functions receive them (WireMock in the candidate's place), and their answers. */
class SmokeTrafficTests {
    static final String SECRET = TestHttpServer.SMOKE_SECRET;

    WireMockServer candidate;
    SmokeTraffic smoke;

    @BeforeEach
    void start() {
        candidate = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        candidate.start();
        smoke = new SmokeTraffic(HttpClient.newHttpClient(), Duration.ofSeconds(5), 3, new WebhookSigner(SECRET),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        candidate.stop();
    }

    void send(SmokeCheck check, int count) {
        smoke.send("order-webhook", "order-webhook-v2", check, candidate.baseUrl() + "/", count);
    }

    static JsonNode json(LoggedRequest request) throws IOException {
        return Serialization.jsonMapper().readTree(request.getBody());
    }

    @Nested
    class WebhookPing {
        @Test
        void isASignedStandardWebhooksPingWithAFreshUniqueId() throws IOException {
            candidate.stubFor(post("/orderWebhook").willReturn(okJson("{\"result\":\"pong\"}")));
            Instant before = Instant.now().minusSeconds(1);

            send(SmokeCheck.WEBHOOK_PING, 4);

            List<LoggedRequest> received = candidate.findAll(postRequestedFor(urlEqualTo("/orderWebhook")));
            assertThat(received).hasSize(4);
            assertThat(received.stream().map(r -> r.getHeader("webhook-id")).distinct()).hasSize(4);
            for (LoggedRequest request : received) {
                String id = request.getHeader("webhook-id");
                long timestamp = Long.parseLong(request.getHeader("webhook-timestamp"));
                assertThat(id).matches("msg_smoke_[0-9a-f]{24}");
                assertThat(request.getHeader("Content-Type")).isEqualTo("application/json");
                assertThat(Instant.ofEpochSecond(timestamp)).isBetween(before, Instant.now().plusSeconds(1));
                assertThat(request.getHeader("webhook-signature"))
                        .isEqualTo(new WebhookSigner(SECRET).sign(id, timestamp, request.getBody()));
                JsonNode body = json(request);
                assertThat(body.path("type").asText()).isEqualTo("ping");
                assertThat(Instant.parse(body.path("timestamp").asText()))
                        .isEqualTo(Instant.ofEpochSecond(timestamp));
            }
        }

        @Test
        void anAnswerOtherThanPongFails() {
            candidate.stubFor(post("/orderWebhook").willReturn(okJson("{\"orderId\":\"o-1\",\"result\":\"created\"}")));

            assertThatThrownBy(() -> send(SmokeCheck.WEBHOOK_PING, 2))
                    .isInstanceOf(Knative.GateFailure.class)
                    .hasMessage("order-webhook: smoke webhook-ping 1/2 to order-webhook-v2 (POST " + candidate.baseUrl()
                            + "/orderWebhook) failed: HTTP 200: {\"orderId\":\"o-1\",\"result\":\"created\"} "
                            + "(expected 200 {\"result\":\"pong\"})");
        }

        @Test
        void a401FailsAtOnceWithoutRetrying() {
            candidate.stubFor(post("/orderWebhook").willReturn(aResponse().withStatus(401)
                    .withHeader("Content-Type", "application/problem+json")
                    .withBody("{\"status\":401,\"title\":\"Invalid webhook signature\"}")));

            assertThatThrownBy(() -> send(SmokeCheck.WEBHOOK_PING, 5))
                    .hasMessageContaining("failed: HTTP 401: {\"status\":401,\"title\":\"Invalid webhook signature\"}");
            assertThat(candidate.findAll(postRequestedFor(urlEqualTo("/orderWebhook")))).hasSize(1);
        }

        @Test
        void aColdStart503IsTriedAgain() {
            candidate.stubFor(post("/orderWebhook").inScenario("cold").whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse().withStatus(503)).willSetStateTo("warm"));
            candidate.stubFor(post("/orderWebhook").inScenario("cold").whenScenarioStateIs("warm")
                    .willReturn(okJson("{\"result\":\"pong\"}")));

            send(SmokeCheck.WEBHOOK_PING, 1);

            assertThat(candidate.findAll(postRequestedFor(urlEqualTo("/orderWebhook")))).hasSize(2);
        }

        @Test
        void noAnswerAtAllFailsAfterTheAttempts() {
            String gone = candidate.baseUrl();
            candidate.stop();

            assertThatThrownBy(() -> smoke.send("order-webhook", "order-webhook-v2", SmokeCheck.WEBHOOK_PING, gone, 1))
                    .hasMessageContaining("smoke webhook-ping 1/1 to order-webhook-v2").hasMessageContaining("Connect");
        }
    }

    @Nested
    class StatusEvent {
        @Test
        void isAStructuredCloudEventOfTheSmokeType() throws IOException {
            candidate.stubFor(post("/orderStatusSync").willReturn(aResponse().withStatus(202)));
            Instant before = Instant.now().minusSeconds(1);

            send(SmokeCheck.STATUS_EVENT, 3);

            List<LoggedRequest> received = candidate.findAll(postRequestedFor(urlEqualTo("/orderStatusSync")));
            assertThat(received).hasSize(3);
            assertThat(received.stream().map(r -> {
                try {
                    return json(r).path("id").asText();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).distinct()).hasSize(3);
            for (LoggedRequest request : received) {
                assertThat(request.getHeader("Content-Type")).isEqualTo("application/cloudevents+json");
                JsonNode event = json(request);
                assertThat(event.path("specversion").asText()).isEqualTo("1.0");
                assertThat(event.path("source").asText()).isEqualTo("urn:acme:rollout");
                assertThat(event.path("type").asText()).isEqualTo("com.acme.integration.smoke.v1");
                assertThat(Instant.parse(event.path("time").asText())).isBetween(before, Instant.now());
                assertThat(request.getHeader("webhook-signature")).isNull();
            }
        }

        @Test
        void anythingButA202Fails() {
            candidate.stubFor(post("/orderStatusSync").willReturn(aResponse().withStatus(422)
                    .withBody("{\"status\":422,\"title\":\"Invalid CloudEvent\"}")));

            assertThatThrownBy(() -> send(SmokeCheck.STATUS_EVENT, 1))
                    .hasMessageContaining("smoke status-event 1/1").hasMessageContaining("HTTP 422")
                    .hasMessageContaining("(expected 202)");
        }
    }
}
