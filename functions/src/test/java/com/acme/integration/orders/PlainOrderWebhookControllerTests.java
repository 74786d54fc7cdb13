package com.acme.integration.orders;

import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.OrdersApiStandIn.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The plain Spring MVC endpoint scripts/bench/throughput.sh compares the function layer with: registered by
 * its initializer only when asked, and serving a webhook through the context's own handler to the Orders API
 * stand-in.
 */
class PlainOrderWebhookControllerTests extends IntegrationTestSupport {

	@Autowired
	OrderWebhookHandler handler;

	@Test
	void isRegisteredOnlyWithBenchPlainMvcTrue() {
		assertThat(registeredController(false)).isNull();
		assertThat(registeredController(true)).isNotNull();
	}

	@Test
	void createsTheOrderThroughTheHandlerTheFunctionCalls() throws Exception {
		MockMvc mvc = MockMvcBuilders.standaloneSetup(registeredController(true)).build();
		byte[] body = sample("webhooks/order-created.json");
		String id = "msg_plain_mvc_" + System.nanoTime();
		MockHttpServletRequestBuilder request = post("/orderWebhook").contentType(MediaType.APPLICATION_JSON)
			.content(body);
		SIGNER.headers(id, body).forEach(request::header);

		mvc.perform(request)
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.result").value("created"))
			.andExpect(jsonPath("$.orderId").value("ord-000001"));

		assertThat(ORDERS_API.orders()).containsExactly(new Order("ord-000001", "mueller:SO-100234", id));
	}

	/** The controller bean a context gets from the initializer, as the benchmark's launch builds it. */
	private @Nullable PlainOrderWebhookController registeredController(boolean enabled) {
		try (GenericApplicationContext context = new GenericApplicationContext()) {
			context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("bench", Map.of("bench.plain-mvc", enabled)));
			context.registerBean(OrderWebhookHandler.class, () -> this.handler);
			new PlainMvcInitializer().initialize(context);
			context.refresh();
			return context.getBeanProvider(PlainOrderWebhookController.class).getIfAvailable();
		}
	}

}
