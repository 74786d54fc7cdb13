package com.acme.integration.web;

import java.net.http.HttpRequest;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.acme.integration.sandbox.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** http.server.requests tells the functions apart, whatever the framework maps them to. */
class MetricsIntegrationTests extends IntegrationTestSupport {

	@Test
	void tagsEachFunctionCallWithTheFunctionsPath() {
		postRaw("/mapOrder", "application/json", sample("webhooks/order-created.json"), Map.of());
		postRaw("/orderWebhook", "application/json", sample("webhooks/order-created.json"), Map.of());
		send(HttpRequest.newBuilder(uri("/orderWebhook")).GET().build());
		postRaw("/noSuchFunction", "application/json", "{}".getBytes(), Map.of());

		String scrape = send(HttpRequest.newBuilder(uri("/actuator/prometheus")).build()).body();

		assertThat(scrape).contains("method=\"POST\",outcome=\"SUCCESS\",status=\"200\",uri=\"/mapOrder\"")
			.contains("method=\"POST\",outcome=\"CLIENT_ERROR\",status=\"401\",uri=\"/orderWebhook\"")
			.contains("method=\"GET\",outcome=\"CLIENT_ERROR\",status=\"405\",uri=\"/orderWebhook\"")
			.doesNotContain("uri=\"/**\"", "uri=\"/noSuchFunction\"");
	}

}
