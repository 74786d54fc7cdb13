package com.acme.integration.orders;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Benchmark only (scripts/bench/throughput.sh loads it from the test classes), never in the production
 * jar: POST /orderWebhook as a plain Spring MVC endpoint, calling the very {@link OrderWebhookHandler}
 * the orderWebhook function calls (same verification, mapping and forwarding), so the comparison shows
 * what the spring-cloud-function layer costs. In this package to reach the package-private handler.
 * Active with {@code bench.plain-mvc=true}; the benchmark then moves the function endpoints under
 * another prefix ({@code spring.cloud.function.web.path}), whose handler mapping would otherwise
 * take /orderWebhook first.
 */
@RestController
@ConditionalOnProperty(name = "bench.plain-mvc", havingValue = "true")
class PlainOrderWebhookController {

	private static final Logger log = LoggerFactory.getLogger(PlainOrderWebhookController.class);

	private final OrderWebhookHandler handler;

	PlainOrderWebhookController(OrderWebhookHandler handler) {
		this.handler = handler;
		log.info("bench: plain MVC controller serves POST /orderWebhook");
	}

	@PostMapping(path = "/orderWebhook", consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	WebhookResult orderWebhook(HttpServletRequest request, @RequestBody byte[] body) {
		return this.handler.handle(request.getHeader("webhook-id"), request.getHeader("webhook-timestamp"),
				request.getHeader("webhook-signature"), body);
	}

}
