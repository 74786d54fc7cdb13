package com.acme.integration.config;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The customer this deployment serves. Orders and status both know an order by its {@code externalRef},
 * {@code <key>:<orderNumber>}: the mapper builds it, the status sync reads the order number back.
 *
 * @param key short lowercase customer key, e.g. {@code mueller}
 */
@Validated
@ConfigurationProperties("integration.customer")
public record CustomerProperties(@NotBlank @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,31}$") String key) {
}
