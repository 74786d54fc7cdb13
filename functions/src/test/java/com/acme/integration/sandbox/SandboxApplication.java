package com.acme.integration.sandbox;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

import com.acme.integration.IntegrationApplication;
import com.acme.integration.testkit.ErpStandIn;
import com.acme.integration.testkit.OrdersApiStandIn;
import com.acme.integration.testkit.StandInServer;
import com.acme.integration.testkit.Webhooks;

/**
 * The local sandbox: {@code ./mvnw -pl functions -am spring-boot:test-run}. Starts the testkit's stand-ins
 * for our Orders API and the customer's ERP on one WireMock on port 8089 ({@code SANDBOX_WIREMOCK_PORT}), then
 * the functions on 8080 with profile {@code sandbox} (application-sandbox.yaml: customer key mueller, the
 * sandbox-only webhook secret and ERP client). Lives on the test classpath, so none of it ships in the jar.
 */
public final class SandboxApplication {

	static final String TOKEN = "sandbox-orders-api-token";

	/** SANDBOX-ONLY client credentials, labelled as such: application-sandbox.yaml configures them. */
	static final String ERP_CLIENT_ID = "sandbox-erp-client";

	static final String ERP_CLIENT_SECRET = "sandbox-only-erp-client-secret";

	private SandboxApplication() {
	}

	public static void main(String[] args) {
		int wireMockPort = Integer.parseInt(System.getenv().getOrDefault("SANDBOX_WIREMOCK_PORT", "8089"));
		StandInServer standIns = StandInServer.start(WireMockConfiguration.options().port(wireMockPort),
				new OrdersApiStandIn(TOKEN), new ErpStandIn(ERP_CLIENT_ID, ERP_CLIENT_SECRET));
		Runtime.getRuntime().addShutdownHook(new Thread(standIns::close, "sandbox-wiremock-stop"));
		ConfigurableApplicationContext context = SpringApplication.from(IntegrationApplication::main)
			.withAdditionalProfiles("sandbox")
			.run(args)
			.getApplicationContext();
		printInstructions(context.getEnvironment(), standIns);
	}

	private static void printInstructions(Environment environment, StandInServer standIns) {
		String port = environment.getProperty("local.server.port", "8080");
		String url = "http://localhost:" + port;
		System.out.printf("""

				==================================== SANDBOX ====================================
				Functions:            %1$s/orderWebhook  %1$s/mapOrder  %1$s/orderStatusSync
				Orders API stand-in:  %2$s  (WireMock; what it received: %2$s/__admin/requests)
				Webhook secret (SANDBOX ONLY, never use it anywhere real):
				  %3$s
				Try (from the repository root, in another terminal):
				  scripts/send-webhook.sh functions/src/test/resources/samples/webhooks/order-created.json %1$s/orderWebhook
				  scripts/send-event.sh functions/src/test/resources/samples/events/status-shipped.json %1$s/orderStatusSync
				=================================================================================

				""", url, standIns.baseUrl(), Webhooks.SANDBOX_SECRET);
	}

}
