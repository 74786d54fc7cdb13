package com.acme.integration.reliability;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhooks the way a Standard Webhooks sender does: HMAC-SHA256 over
 * {@code id.timestamp.body} with the key bytes of a {@code whsec_} secret, base64 with padding.
 * Written here from the specification, independently of the code under test.
 */
record Signer(String secret) {

	byte[] key() {
		return Base64.getDecoder().decode(this.secret.substring("whsec_".length()));
	}

	/** The raw MAC, base64 encoded (what follows {@code v1,}). */
	String mac(String id, String timestamp, byte[] body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key(), "HmacSHA256"));
			mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
			return Base64.getEncoder().encodeToString(mac.doFinal(body));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The {@code webhook-signature} header value with one signature. */
	String sign(String id, String timestamp, byte[] body) {
		return "v1," + mac(id, timestamp, body);
	}

}
