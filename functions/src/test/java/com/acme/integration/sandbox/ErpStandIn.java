package com.acme.integration.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.github.tomakehurst.wiremock.WireMockServer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * The sandbox's stand-in for the customer's ERP, on the sandbox WireMock under /erp: an OAuth2 token endpoint
 * (client credentials, HTTP Basic client authentication) and the order status endpoint, which takes the token
 * it issued and answers 204. Orders whose number starts with {@code GONE-} do not exist (404: the function
 * answers 422 and Knative would dead-letter the event). The client credentials are SANDBOX-ONLY values, never
 * valid anywhere else; application-sandbox.yaml points the application's OAuth2 registration "erp" at them.
 */
public final class ErpStandIn {

	public static final String CLIENT_ID = "sandbox-erp-client";

	/** Sandbox-only, labelled as such: not a real secret. */
	public static final String CLIENT_SECRET = "sandbox-only-erp-client-secret";

	public static final String ACCESS_TOKEN = "sandbox-only-erp-access-token";

	private ErpStandIn() {
	}

	/** Adds the ERP's stubs to the sandbox WireMock. */
	public static void register(WireMockServer wiremock) {
		String basic = "Basic " + Base64.getEncoder()
			.encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
		wiremock.stubFor(post(urlEqualTo("/erp/oauth/token")).atPriority(10)
			.willReturn(aResponse().withStatus(401)
				.withHeader("Content-Type", "application/json")
				.withBody("{\"error\": \"invalid_client\"}")));
		wiremock.stubFor(post(urlEqualTo("/erp/oauth/token")).atPriority(1)
			.withHeader("Authorization", equalTo(basic))
			.withRequestBody(containing("grant_type=client_credentials"))
			.willReturn(aResponse().withStatus(200)
				.withHeader("Content-Type", "application/json")
				.withBody("{\"access_token\": \"" + ACCESS_TOKEN
						+ "\", \"token_type\": \"Bearer\", \"expires_in\": 3600}")));
		wiremock.stubFor(put(urlPathMatching("/erp/api/orders/[^/]+/status")).atPriority(10)
			.willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")));
		wiremock.stubFor(put(urlPathMatching("/erp/api/orders/[^/]+/status")).atPriority(5)
			.withHeader("Authorization", equalTo("Bearer " + ACCESS_TOKEN))
			.willReturn(aResponse().withStatus(204)));
		wiremock.stubFor(put(urlPathMatching("/erp/api/orders/GONE-[^/]*/status")).atPriority(1)
			.withHeader("Authorization", equalTo("Bearer " + ACCESS_TOKEN))
			.willReturn(aResponse().withStatus(404)
				.withHeader("Content-Type", "application/problem+json")
				.withBody("{\"title\": \"Order not found\", \"status\": 404}")));
	}

}
