package com.acme.integration.webhook;

import java.time.Duration;
import java.util.Base64;
import java.util.List;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import com.acme.integration.config.ConditionalOnExposedFunction;

/**
 * Webhook signing and limits.
 *
 * @param secrets active signing secrets ({@code whsec_<base64>}); several during a rotation
 * @param smokeSecrets secrets reserved for the rollout's smoke checks: they sign {@code ping} webhooks only
 * @param tolerance how far the webhook timestamp may be from our clock, in either direction
 * @param maxBodySize largest accepted request body on the function paths
 */
@Validated
@ConfigurationProperties("integration.webhook")
@ConditionalOnExposedFunction("orderWebhook")
public record WebhookProperties(@NotEmpty List<String> secrets, @DefaultValue List<String> smokeSecrets,
		@DefaultValue("5m") @NotNull Duration tolerance, @DefaultValue("256KB") @NotNull DataSize maxBodySize) {

	static final String SECRET_PREFIX = "whsec_";

	public WebhookProperties {
		secrets = (secrets != null) ? List.copyOf(secrets) : List.of();
		smokeSecrets = (smokeSecrets != null) ? List.copyOf(smokeSecrets) : List.of();
		check("integration.webhook.secrets", secrets);
		check("integration.webhook.smoke-secrets", smokeSecrets);
		if (tolerance != null && (tolerance.isNegative() || tolerance.isZero())) {
			throw new IllegalArgumentException("integration.webhook.tolerance must be positive");
		}
	}

	/**
	 * Checked here rather than with {@code @Pattern} so that the failure message names the property but
	 * never repeats the (possibly real) secret value.
	 */
	private static void check(String property, List<String> secrets) {
		for (int i = 0; i < secrets.size(); i++) {
			if (decode(secrets.get(i)) == null) {
				throw new IllegalArgumentException(
						property + "[" + i + "] must be a Standard Webhooks secret: whsec_ followed by base64");
			}
		}
	}

	/** The key bytes of a {@code whsec_} secret, or null if it is not one. */
	static byte @Nullable [] decode(@Nullable String secret) {
		if (secret == null || !secret.startsWith(SECRET_PREFIX) || secret.length() == SECRET_PREFIX.length()) {
			return null;
		}
		try {
			byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()).trim());
			return (key.length > 0) ? key : null;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	@Override
	public String toString() {
		return "WebhookProperties[secrets=" + this.secrets.size() + " configured, smokeSecrets="
				+ this.smokeSecrets.size() + " configured, tolerance=" + this.tolerance
				+ ", maxBodySize=" + this.maxBodySize + "]";
	}

}
