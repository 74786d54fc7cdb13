package com.acme.integration.config;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The customer this deployment serves. Public because orders and status both build the
 * {@code externalRef} ({@code <key>:<orderNumber>}) from it.
 *
 * @param key short lowercase customer key, e.g. {@code mueller}
 */
@Validated
@ConfigurationProperties("integration.customer")
public record CustomerProperties(@NotBlank @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,31}$") String key) {

	/** The reference our Orders API and the ERP know an order by. */
	public String externalRef(String orderNumber) {
		return this.key + ":" + orderNumber;
	}

}
