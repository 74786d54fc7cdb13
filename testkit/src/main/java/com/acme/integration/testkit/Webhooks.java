package com.acme.integration.testkit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhooks as a Standard Webhooks sender does: HMAC-SHA256 over {@code id.timestamp.body}
 * with the key bytes of a {@code whsec_} secret, base64 with padding, sent as
 * {@code webhook-signature: v1,<mac>} beside {@code webhook-id} and {@code webhook-timestamp}.
 * Written from the specification, independently of the code under test.
 */
public final class Webhooks {

	/** The sandbox secret, published in the README: sandbox and tests only, never configured anywhere real. */
	public static final String SANDBOX_SECRET = "whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0";

	private static final String PREFIX = "whsec_";

	private final byte[] key;

	public Webhooks(String secret) {
		if (!secret.startsWith(PREFIX)) {
			throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
		}
		this.key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
	}

	/** A {@code whsec_} secret whose key is the UTF-8 bytes of the text: for test-only secrets. */
	public static String secretOf(String keyText) {
		return PREFIX + Base64.getEncoder().encodeToString(keyText.getBytes(StandardCharsets.UTF_8));
	}

	/** The bare MAC, base64 encoded: what follows {@code v1,} in the signature header. */
	public String mac(String id, String timestamp, byte[] body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(this.key, "HmacSHA256"));
			mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
			return Base64.getEncoder().encodeToString(mac.doFinal(body));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The {@code webhook-signature} value with one signature, over the timestamp exactly as sent. */
	public String sign(String id, String timestamp, byte[] body) {
		return "v1," + mac(id, timestamp, body);
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
