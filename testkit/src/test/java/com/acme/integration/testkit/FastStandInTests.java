package com.acme.integration.testkit;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmarks' stand-in: answers at once, with an id, and keeps nothing. */
class FastStandInTests {

	static final FastStandIn FAST = FastStandIn.start(0);

	@AfterAll
	static void stop() {
		FAST.close();
	}

	@Test
	void createsEveryOrderWith201AndANewId() {
		HttpResponse<String> first = StandInHttp.send("POST", FAST.baseUrl() + "/api/v1/orders", "{}");
		HttpResponse<String> again = StandInHttp.send("POST", FAST.baseUrl() + "/api/v1/orders", "{}");

		assertThat(first.statusCode()).isEqualTo(201);
		assertThat(first.body()).contains("\"id\":\"ord-");
		assertThat(again.body()).as("stateless: no replay").isNotEqualTo(first.body());
	}

	@Test
	void changesOrdersWith200AndServesTheErp() {
		assertThat(StandInHttp.send("PUT", FAST.baseUrl() + "/api/v1/orders/by-external-ref/a:1", "{}").statusCode())
			.isEqualTo(200);
		assertThat(StandInHttp.send("POST", FAST.baseUrl() + "/api/v1/orders/by-external-ref/a:1/cancel", "{}")
			.statusCode()).isEqualTo(200);
		assertThat(StandInHttp.send("POST", FAST.baseUrl() + "/erp/oauth/token", "grant_type=client_credentials").body())
			.contains("access_token");
		assertThat(StandInHttp.send("PUT", FAST.baseUrl() + "/erp/api/orders/SO-1/status", "{}").statusCode())
			.isEqualTo(204);
	}

	@Test
	void answersHealthAnd404Otherwise() {
		assertThat(StandInHttp.send("GET", FAST.baseUrl() + "/health", null).statusCode()).isEqualTo(200);
		assertThat(StandInHttp.send("GET", FAST.baseUrl() + "/api/v1/orders", null).statusCode()).isEqualTo(404);
	}

}
