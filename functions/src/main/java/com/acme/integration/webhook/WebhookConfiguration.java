package com.acme.integration.webhook;

import java.time.Clock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.acme.integration.config.ConditionalOnExposedFunction;

@Configuration(proxyBeanMethods = false)
@ConditionalOnExposedFunction("orderWebhook")
class WebhookConfiguration {

	@Bean
	SignatureVerifier signatureVerifier(WebhookProperties properties, ObjectProvider<Clock> clock) {
		return new SignatureVerifier(properties.secrets(), properties.smokeSecrets(),
				properties.tolerance(), clock.getIfAvailable(Clock::systemUTC));
	}

}
