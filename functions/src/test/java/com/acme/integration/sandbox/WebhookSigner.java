package com.acme.integration.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Signs a body as a Standard Webhooks sender does; for tests and the sandbox. */
public final class WebhookSigner {

	/** The sandbox secret: labelled sandbox-only, never configured anywhere real. */
	public static final String SANDBOX_SECRET = "whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0";

	private final String secret;

	public WebhookSigner(String secret) {
		this.secret = secret;
	}

	public String signature(String id, long timestamp, byte[] body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(Base64.getDecoder().decode(this.secret.substring("whsec_".length())),
					"HmacSHA256"));
			mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
			return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The three webhook-* headers for a body sent now. */
	public Map<String, String> headers(String id, byte[] body) {
		return headers(id, Instant.now().getEpochSecond(), body);
	}

	public Map<String, String> headers(String id, long timestamp, byte[] body) {
		Map<String, String> headers = new LinkedHashMap<>();
		headers.put("webhook-id", id);
		headers.put("webhook-timestamp", Long.toString(timestamp));
		headers.put("webhook-signature", signature(id, timestamp, body));
		return headers;
	}

}
