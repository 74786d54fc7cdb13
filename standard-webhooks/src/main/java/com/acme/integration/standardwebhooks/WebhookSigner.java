package com.acme.integration.standardwebhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a webhook as a Standard Webhooks sender does: {@code v1,} followed by the base64 HMAC-SHA256, keyed with
 * the secret's decoded bytes, over {@code <webhook-id>.<webhook-timestamp>.<body>}, the body byte for byte.
 * The secret is {@code whsec_<base64>}, or the base64 part alone (the specification's libraries accept both).
 */
public final class WebhookSigner {

	/** The prefix of a Standard Webhooks secret. */
	public static final String SECRET_PREFIX = "whsec_";

	private static final String ALGORITHM = "HmacSHA256";

	private final SecretKeySpec key;

	/**
	 * @param secret {@code whsec_<base64>} or {@code <base64>}
	 * @throws IllegalArgumentException when the secret is empty or not base64; the message never contains it
	 */
	public WebhookSigner(String secret) {
		String encoded = secret.strip();
		if (encoded.startsWith(SECRET_PREFIX)) {
			encoded = encoded.substring(SECRET_PREFIX.length());
		}
		byte[] bytes;
		try {
			bytes = Base64.getDecoder().decode(encoded);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("the webhook secret is not whsec_ followed by base64");
		}
		if (bytes.length == 0) {
			throw new IllegalArgumentException("the webhook secret is empty");
		}
		this.key = new SecretKeySpec(bytes, ALGORITHM);
	}

	/**
	 * @param id the {@code webhook-id}
	 * @param timestamp the {@code webhook-timestamp}, seconds since the epoch
	 * @param body the raw body, exactly as it is sent
	 * @return the {@code webhook-signature} entry {@code v1,<base64>}
	 */
	public String sign(String id, long timestamp, byte[] body) {
		return sign(id, Long.toString(timestamp), body);
	}

	/**
	 * As {@link #sign(String, long, byte[])}, over the {@code webhook-timestamp} header's text exactly as it is
	 * sent (tests sign malformed timestamps too).
	 */
	public String sign(String id, String timestamp, byte[] body) {
		Mac mac = mac();
		mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
		return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
	}

	/** As {@link #sign(String, long, byte[])}, for a body that is sent as UTF-8. */
	public String sign(String id, long timestamp, String body) {
		return sign(id, timestamp, body.getBytes(StandardCharsets.UTF_8));
	}

	/** The three signing headers ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}). */
	public Map<String, String> headers(String id, Instant timestamp, byte[] body) {
		long seconds = timestamp.getEpochSecond();
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("webhook-id", id);
		headers.put("webhook-timestamp", Long.toString(seconds));
		headers.put("webhook-signature", sign(id, seconds, body));
		return headers;
	}

	private Mac mac() {
		try {
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(this.key);
			return mac;
		}
		catch (NoSuchAlgorithmException | InvalidKeyException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	@Override
	public String toString() {
		return "WebhookSigner[secret hidden]";
	}

}
