package com.acme.integration.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.acme.integration.standardwebhooks.WebhookSigner;

/**
 * Signs webhooks as a Standard Webhooks sender does, with the repository's one signer
 * ({@link WebhookSigner}, written from the specification, independently of the code under test):
 * {@code webhook-signature: v1,<mac>} beside {@code webhook-id} and {@code webhook-timestamp}.
 */
public final class Webhooks {

	/** The sandbox secret, published in the README: sandbox and tests only, never configured anywhere real. */
	public static final String SANDBOX_SECRET = "whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0";

	private static final String PREFIX = "whsec_";

	private final WebhookSigner signer;

	public Webhooks(String secret) {
		if (!secret.startsWith(PREFIX)) {
			throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
		}
		this.signer = new WebhookSigner(secret);
	}

	/** A {@code whsec_} secret whose key is the UTF-8 bytes of the text: for test-only secrets. */
	public static String secretOf(String keyText) {
		return PREFIX + Base64.getEncoder().encodeToString(keyText.getBytes(StandardCharsets.UTF_8));
	}

	/** The bare MAC, base64 encoded: what follows {@code v1,} in the signature header. */
	public String mac(String id, String timestamp, byte[] body) {
		return sign(id, timestamp, body).substring("v1,".length());
	}

	/** The {@code webhook-signature} value with one signature, over the timestamp exactly as sent. */
	public String sign(String id, String timestamp, byte[] body) {
		return this.signer.sign(id, timestamp, body);
	}

	public String sign(String id, long timestamp, byte[] body) {
		return sign(id, Long.toString(timestamp), body);
	}

	/** The three webhook-* headers for a body sent now. */
	public Map<String, String> headers(String id, byte[] body) {
		return headers(id, Instant.now().getEpochSecond(), body);
	}

	public Map<String, String> headers(String id, long timestamp, byte[] body) {
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("webhook-id", id);
		headers.put("webhook-timestamp", Long.toString(timestamp));
		headers.put("webhook-signature", sign(id, timestamp, body));
		return headers;
	}

}
