package com.acme.integration.webhook;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** A wrong webhook configuration stops the start-up with a message naming the property. */
class WebhookPropertiesStartupTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Properties.class)
		.withPropertyValues("spring.cloud.function.definition=orderWebhook;mapOrder");

	@Test
	void startsWithValidSecretsAndDefaults() {
		this.runner
			.withPropertyValues("integration.webhook.secrets=whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0,"
					+ "whsec_b2xkLXNlY3JldA==")
			.run(context -> {
				WebhookProperties properties = context.getBean(WebhookProperties.class);
				assertThat(properties.secrets()).hasSize(2);
				assertThat(properties.tolerance()).hasMinutes(5);
				assertThat(properties.maxBodySize().toKilobytes()).isEqualTo(256);
				assertThat(properties.toString()).doesNotContain("whsec_");
			});
	}

	@Test
	void failsOnASecretWithoutWhsecPrefixNamingThePropertyNotTheValue() {
		this.runner.withPropertyValues("integration.webhook.secrets=c3VwZXItc2VjcmV0").run(context -> {
			assertThat(context).hasFailed();
			assertThat(messages(context.getStartupFailure())).contains("integration.webhook.secrets[0]")
				.doesNotContain("c3VwZXItc2VjcmV0");
		});
	}

	@Test
	void failsWithoutAnySecretNamingTheProperty() {
		this.runner.run(context -> {
			assertThat(context).hasFailed();
			assertThat(messages(context.getStartupFailure())).contains("integration.webhook");
		});
	}

	private static String messages(Throwable failure) {
		StringBuilder messages = new StringBuilder();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			messages.append(cause.getMessage()).append('\n');
		}
		return messages.toString();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WebhookProperties.class)
	static class Properties {

	}

}
