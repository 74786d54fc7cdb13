package com.acme.integration.sandbox;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

import com.acme.integration.IntegrationApplication;

/**
 * The local sandbox: {@code ./mvnw -pl functions spring-boot:test-run}. Starts a WireMock stand-in
 * for our Orders API and the customer's ERP on port 8089 ({@code SANDBOX_WIREMOCK_PORT}), then the
 * functions on 8080 with profile {@code sandbox} (application-sandbox.yaml: customer key mueller,
 * the sandbox-only webhook secret). Lives on the test classpath, so none of it ships in the jar.
 */
public final class SandboxApplication {

	static final String TOKEN = "sandbox-orders-api-token";

	private SandboxApplication() {
	}

	public static void main(String[] args) {
		int wireMockPort = Integer.parseInt(System.getenv().getOrDefault("SANDBOX_WIREMOCK_PORT", "8089"));
		OrdersApiStandIn ordersApi = OrdersApiStandIn.start(wireMockPort, TOKEN);
		ErpStandIn.register(ordersApi.server());
		Runtime.getRuntime().addShutdownHook(new Thread(ordersApi.server()::stop, "sandbox-wiremock-stop"));
		ConfigurableApplicationContext context = SpringApplication.from(IntegrationApplication::main)
			.withAdditionalProfiles("sandbox")
			.run(args)
			.getApplicationContext();
		printInstructions(context.getEnvironment(), ordersApi);
	}

	private static void printInstructions(Environment environment, OrdersApiStandIn ordersApi) {
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

				""", url, ordersApi.baseUrl(), WebhookSigner.SANDBOX_SECRET);
	}

}
