package com.acme.integration.orders;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * Benchmark only: registers {@link PlainOrderWebhookController} when {@code bench.plain-mvc=true}.
 * The production launch starts the app from its Spring AOT build, whose bean definitions were fixed
 * when the image was built, without this jar: a component scan no longer runs at start-up, so the
 * controller comes in through this initializer (listed in this jar's META-INF/spring.factories,
 * which Spring Boot reads at every start). Without Spring AOT the scan finds the controller too and
 * keeps this definition.
 */
public final class PlainMvcInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	static final String BEAN_NAME = "plainOrderWebhookController";

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		if (!context.getEnvironment().getProperty("bench.plain-mvc", Boolean.class, false)) {
			return;
		}
		if (context instanceof GenericApplicationContext generic && !generic.containsBeanDefinition(BEAN_NAME)) {
			// An explicit supplier: constructor autowiring by reflection is not set up under Spring AOT.
			generic.registerBean(BEAN_NAME, PlainOrderWebhookController.class,
					() -> new PlainOrderWebhookController(generic.getBean(OrderWebhookHandler.class)));
		}
	}

}
