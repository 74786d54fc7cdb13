package com.acme.integration.status;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;

import com.acme.integration.config.CustomerProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Start-up of the status feature without a web server: which services need ERP settings, and that a missing
 * one fails the start naming the property; and the one-at-a-time token lock.
 */
class OrderStatusSyncConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class,
				RestClientAutoConfiguration.class, OAuth2ClientAutoConfiguration.class))
		.withUserConfiguration(StatusFeature.class)
		.withPropertyValues("integration.customer.key=mueller");

	private static final String[] ERP = { "integration.erp.base-url=http://erp.test/erp",
			"spring.security.oauth2.client.registration.erp.client-id=id",
			"spring.security.oauth2.client.registration.erp.client-secret=secret",
			"spring.security.oauth2.client.registration.erp.authorization-grant-type=client_credentials",
			"spring.security.oauth2.client.provider.erp.token-uri=http://erp.test/erp/oauth/token" };

	@Test
	void wiresTheFunctionWhereItIsDefined() {
		this.runner.withPropertyValues("spring.cloud.function.definition=orderStatusSync")
			.withPropertyValues(ERP)
			.run(context -> assertThat(context).hasNotFailed()
				.hasBean("orderStatusSync")
				.getBean(ErpProperties.class)
				.satisfies(erp -> assertThat(erp.registrationId()).isEqualTo("erp")));
	}

	@Test
	void needsNoErpSettingsWhereTheFunctionIsNotDefined() {
		this.runner.withPropertyValues("spring.cloud.function.definition=orderWebhook;mapOrder")
			.run(context -> assertThat(context).hasNotFailed()
				.doesNotHaveBean("orderStatusSync")
				.doesNotHaveBean(ErpProperties.class));
	}

	@Test
	void failsAtStartUpNamingTheMissingErpBaseUrl() {
		this.runner.withPropertyValues("spring.cloud.function.definition=orderStatusSync")
			.run(context -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				// Boot's failure analyzer prints it as integration.erp.base-url at start-up
				.hasMessageContainingAll("integration.erp", "baseUrl", "must not be null"));
	}

	@Test
	void failsAtStartUpNamingTheMissingOAuth2Registration() {
		this.runner.withPropertyValues("spring.cloud.function.definition=orderStatusSync",
				"integration.erp.base-url=http://erp.test/erp")
			.run(context -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("spring.security.oauth2.client.registration.erp")
				.hasMessageContaining("spring.security.oauth2.client.provider.erp.token-uri"));
	}

	@Test
	void answersUnavailableRatherThanQueueingBehindAHangingTokenRequest() throws Exception {
		CountDownLatch fetching = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		OAuth2AuthorizedClientManager hanging = request -> {
			fetching.countDown();
			awaitUninterruptibly(release);
			return null;
		};
		OAuth2AuthorizedClientManager manager = OrderStatusSyncConfiguration.oneAtATime(hanging, Duration.ofMillis(50));
		OAuth2AuthorizeRequest request = OAuth2AuthorizeRequest.withClientRegistrationId("erp")
			.principal(OrderStatusSyncConfiguration.ERP_CLIENT_PRINCIPAL)
			.build();
		Thread first = Thread.ofVirtual().start(() -> manager.authorize(request));
		fetching.await();

		assertThatExceptionOfType(ErpUnavailableException.class).isThrownBy(() -> manager.authorize(request));

		release.countDown();
		first.join();
		assertThat(manager.authorize(request)).as("the lock is free again").isNull();
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		boolean done = false;
		while (!done) {
			try {
				latch.await();
				done = true;
			}
			catch (InterruptedException ex) {
				// keep waiting: the test releases the latch
			}
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConfigurationPropertiesScan(basePackageClasses = StatusFeature.class)
	@EnableConfigurationProperties(CustomerProperties.class)
	@Import(OrderStatusSyncConfiguration.class)
	static class StatusFeature {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
