package com.acme.integration.testkit;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.acme.integration.testkit.ErpStandIn.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

/** The ERP stand-in over real HTTP: OAuth2 client credentials, then status updates with the token it issued. */
class ErpStandInTests {

	static final String CLIENT_ID = "erp-test-client";

	static final String CLIENT_SECRET = "erp-test-client-secret";

	static final ErpStandIn ERP = new ErpStandIn(CLIENT_ID, CLIENT_SECRET);

	static final StandInServer SERVER = StandInServer.start(WireMockConfiguration.options().dynamicPort(), ERP);

	private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\":\"([^\"]+)\"");

	@AfterAll
	static void stop() {
		SERVER.close();
	}

	@BeforeEach
	void reset() {
		SERVER.reset();
	}

	static String basic(String id, String secret) {
		return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
	}

	static String tokenWithBasic() {
		HttpResponse<String> response = StandInHttp.send("POST", ERP.tokenUri(), "grant_type=client_credentials",
				"Authorization", basic(CLIENT_ID, CLIENT_SECRET), "Content-Type", "application/x-www-form-urlencoded");
		assertThat(response.statusCode()).isEqualTo(200);
		Matcher token = ACCESS_TOKEN.matcher(response.body());
		assertThat(token.find()).isTrue();
		return token.group(1);
	}

	static HttpResponse<String> putStatus(String orderNumber, String token) {
		return StandInHttp.send("PUT", ERP.baseUrl() + "/api/orders/" + orderNumber + "/status",
				"{\"status\":\"shipped\"}", "Authorization", "Bearer " + token, "Content-Type", "application/json");
	}

	@Test
	void issuesATokenForClientCredentialsByBasicOrInTheForm() {
		String form = "grant_type=client_credentials&client_id=" + CLIENT_ID + "&client_secret="
				+ URLEncoder.encode(CLIENT_SECRET, StandardCharsets.UTF_8);

		HttpResponse<String> inForm = StandInHttp.send("POST", ERP.tokenUri(), form, "Content-Type",
				"application/x-www-form-urlencoded");

		assertThat(tokenWithBasic()).startsWith(ErpStandIn.TOKEN_PREFIX);
		assertThat(inForm.statusCode()).isEqualTo(200);
		assertThat(ERP.tokensIssued()).isEqualTo(2);
	}

	@Test
	void refusesWrongClientCredentialsWith401() {
		HttpResponse<String> response = StandInHttp.send("POST", ERP.tokenUri(), "grant_type=client_credentials",
				"Authorization", basic(CLIENT_ID, "wrong"));

		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.body()).contains("invalid_client");
	}

	@Test
	void appliesAStatusUpdateWithAnIssuedTokenWith204() {
		HttpResponse<String> response = putStatus("SO-1", tokenWithBasic());

		assertThat(response.statusCode()).isEqualTo(204);
		assertThat(ERP.applied()).containsExactly(Map.entry("SO-1", java.util.List.of("{\"status\":\"shipped\"}")));
	}

	@Test
	void takesOnlyTokensItIssuedAndKeepsThemAcrossAReset() {
		String token = tokenWithBasic();
		SERVER.reset();

		assertThat(putStatus("SO-1", "made-up").statusCode()).isEqualTo(401);
		assertThat(putStatus("SO-1", token).statusCode()).isEqualTo(204);
	}

	@Test
	void resetsTheWholeServerItRunsOn() {
		String token = tokenWithBasic();
		putStatus("SO-1", token);

		ERP.reset();

		assertThat(ERP.applied()).isEmpty();
		assertThat(ERP.requests()).isEmpty();
	}

	@Test
	void answersAnUnknownOrderWith404AndARefusedTransitionWith422() {
		String token = tokenWithBasic();

		assertThat(putStatus("GONE-1", token).statusCode()).isEqualTo(404);
		assertThat(putStatus("REJECT-1", token).statusCode()).isEqualTo(422);
		assertThat(ERP.applied()).isEmpty();
	}

	@Test
	void revokesTheTokenWhenTheFaultPlanSaysSo() {
		String token = tokenWithBasic();
		ERP.faults(1, Map.of(Outcome.TOKEN_REVOKED, 1), Duration.ZERO);

		assertThat(putStatus("SO-1", token).statusCode()).isEqualTo(401);
		ERP.noFaults();

		assertThat(putStatus("SO-1", token).statusCode()).as("revoked for good").isEqualTo(401);
		assertThat(putStatus("SO-1", tokenWithBasic()).statusCode()).isEqualTo(204);
		assertThat(ERP.injected()).containsOnlyKeys("TOKEN_REVOKED");
	}

	@Test
	void throttlesWith429AndRetryAfter() {
		String token = tokenWithBasic();
		ERP.faults(1, Map.of(Outcome.HTTP_429, 1), Duration.ZERO);

		HttpResponse<String> response = putStatus("SO-1", token);

		assertThat(response.statusCode()).isEqualTo(429);
		assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(ERP.applied()).isEmpty();
	}

}
