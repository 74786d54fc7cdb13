package com.acme.integration.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Verifies a webhook signed as the Standard Webhooks specification says: HMAC-SHA256 over
 * {@code <webhook-id>.<webhook-timestamp>.<raw body>} with each active {@code whsec_} secret,
 * against every {@code v1,<base64>} entry of the space-separated {@code webhook-signature} header,
 * compared in constant time; the timestamp may be at most the tolerance away from our clock in
 * either direction. Works on the raw body bytes, before anything parses them.
 */
public final class SignatureVerifier {

	private static final String ALGORITHM = "HmacSHA256";

	private static final Pattern ID = Pattern.compile("[\\x21-\\x7E]{1,256}");

	private static final Pattern WHITESPACE = Pattern.compile("\\s+");

	private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,15}");

	/** One initialised Mac per secret, cloned for each check (cheaper than looking up and keying a new one). */
	private final List<Mac> keys;

	private final List<Mac> smokeKeys;

	private final Duration tolerance;

	private final Clock clock;

	/** Who signed a webhook that verified. */
	public enum SignedBy {

		/** One of the customer's secrets. */
		CUSTOMER,

		/** A secret reserved for smoke checks, good for pings only. */
		SMOKE_CHECK

	}

	/**
	 * @param secrets active secrets, each {@code whsec_<base64>}
	 * @param tolerance maximum distance between the webhook timestamp and our clock
	 * @param clock our clock
	 */
	public SignatureVerifier(List<String> secrets, Duration tolerance, Clock clock) {
		this(secrets, List.of(), tolerance, clock);
	}

	/**
	 * @param secrets the customer's active secrets, each {@code whsec_<base64>}
	 * @param smokeSecrets the secrets reserved for smoke checks (rollouts), may be empty
	 * @param tolerance maximum distance between the webhook timestamp and our clock
	 * @param clock our clock
	 */
	public SignatureVerifier(List<String> secrets, List<String> smokeSecrets, Duration tolerance, Clock clock) {
		if (secrets.isEmpty()) {
			throw new IllegalArgumentException("at least one webhook secret is required");
		}
		this.keys = keys(secrets, "webhook secret ");
		this.smokeKeys = keys(smokeSecrets, "smoke-check secret ");
		this.tolerance = tolerance;
		this.clock = clock;
	}

	private static List<Mac> keys(List<String> secrets, String name) {
		List<Mac> keys = new ArrayList<>();
		for (int i = 0; i < secrets.size(); i++) {
			byte[] key = WebhookProperties.decode(secrets.get(i));
			if (key == null) {
				throw new IllegalArgumentException(name + i + " is not whsec_ followed by base64");
			}
			try {
				Mac mac = Mac.getInstance(ALGORITHM);
				mac.init(new SecretKeySpec(key, ALGORITHM));
				keys.add(mac);
			}
			catch (NoSuchAlgorithmException | InvalidKeyException ex) {
				throw new IllegalStateException("HmacSHA256 is not available", ex);
			}
		}
		return List.copyOf(keys);
	}

	/**
	 * Returns who signed the webhook if it is authentic and fresh.
	 * @param id the {@code webhook-id} header
	 * @param timestamp the {@code webhook-timestamp} header (seconds since the epoch)
	 * @param signatures the {@code webhook-signature} header
	 * @param body the request body
	 * @throws InvalidSignatureException saying which check failed
	 */
	public SignedBy verify(@Nullable String id, @Nullable String timestamp, @Nullable String signatures, byte[] body) {
		if (id == null || id.isEmpty()) {
			throw new InvalidSignatureException("The webhook-id header is missing.");
		}
		if (!ID.matcher(id).matches()) {
			throw new InvalidSignatureException("The webhook-id header is malformed.");
		}
		if (timestamp == null || timestamp.isEmpty()) {
			throw new InvalidSignatureException("The webhook-timestamp header is missing.");
		}
		if (!TIMESTAMP.matcher(timestamp).matches()) {
			throw new InvalidSignatureException("The webhook-timestamp header must be whole seconds since the epoch.");
		}
		if (signatures == null || signatures.isBlank()) {
			throw new InvalidSignatureException("The webhook-signature header is missing.");
		}
		checkFreshness(Instant.ofEpochSecond(Long.parseLong(timestamp)));
		List<byte[]> candidates = v1Signatures(signatures);
		if (candidates.isEmpty()) {
			throw new InvalidSignatureException("The webhook-signature header has no valid v1 signature.");
		}
		byte[] signedContent = signedContent(id, timestamp, body);
		if (matches(this.keys, signedContent, candidates)) {
			return SignedBy.CUSTOMER;
		}
		if (matches(this.smokeKeys, signedContent, candidates)) {
			return SignedBy.SMOKE_CHECK;
		}
		throw new InvalidSignatureException("No signature matches the webhook.");
	}

	private static boolean matches(List<Mac> keys, byte[] signedContent, List<byte[]> candidates) {
		for (Mac key : keys) {
			byte[] expected = hmac(key, signedContent);
			for (byte[] candidate : candidates) {
				if (MessageDigest.isEqual(expected, candidate)) {
					return true;
				}
			}
		}
		return false;
	}

	private void checkFreshness(Instant sent) {
		Instant now = this.clock.instant();
		if (sent.isBefore(now.minus(this.tolerance))) {
			throw new InvalidSignatureException("The webhook-timestamp is too old.");
		}
		if (sent.isAfter(now.plus(this.tolerance))) {
			throw new InvalidSignatureException("The webhook-timestamp is too far in the future.");
		}
	}

	/** Decoded v1 signatures; other versions and undecodable entries are skipped, not fatal. */
	private static List<byte[]> v1Signatures(String header) {
		List<byte[]> signatures = new ArrayList<>();
		for (String entry : WHITESPACE.split(header.trim())) {
			int comma = entry.indexOf(',');
			if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
				continue;
			}
			try {
				signatures.add(Base64.getDecoder().decode(entry.substring(comma + 1)));
			}
			catch (IllegalArgumentException ex) {
				// Not base64: cannot match; another entry still may.
			}
		}
		return signatures;
	}

	private static byte[] signedContent(String id, String timestamp, byte[] body) {
		byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
		byte[] content = new byte[prefix.length + body.length];
		System.arraycopy(prefix, 0, content, 0, prefix.length);
		System.arraycopy(body, 0, content, prefix.length, body.length);
		return content;
	}

	private static byte[] hmac(Mac prototype, byte[] content) {
		try {
			return ((Mac) prototype.clone()).doFinal(content);
		}
		catch (CloneNotSupportedException ex) {
			throw new IllegalStateException("HmacSHA256 Mac cannot be cloned", ex);
		}
	}

}
