package com.acme.integration.status;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import com.acme.integration.config.ConditionalOnExposedFunction;

/**
 * The customer's ERP. Credentials are not here: they are Spring Security's OAuth2 client registration
 * {@code spring.security.oauth2.client.registration.<registration-id>} and its provider's token-uri.
 *
 * @param baseUrl the ERP's base URL; the status endpoint is {@code {baseUrl}/api/orders/{orderNumber}/status}
 * @param connectTimeout TCP connect timeout, for the ERP and its token endpoint
 * @param readTimeout how long one ERP or token response may take; keep the sum well below the Knative
 * delivery timeout so that a slow ERP gives a 503 (retry) rather than a cut connection
 * @param registrationId the OAuth2 client registration used for the ERP
 */
@Validated
@ConditionalOnExposedFunction("orderStatusSync")
@ConfigurationProperties("integration.erp")
record ErpProperties(@NotNull URI baseUrl, @DefaultValue("2s") @NotNull Duration connectTimeout,
		@DefaultValue("5s") @NotNull Duration readTimeout, @DefaultValue("erp") @NotBlank String registrationId) {
}
