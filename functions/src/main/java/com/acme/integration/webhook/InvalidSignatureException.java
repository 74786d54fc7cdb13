package com.acme.integration.webhook;

/**
 * The webhook is not provably from the customer: missing or malformed signing headers, a
 * timestamp outside the tolerance, or no signature matching any active secret. The message says
 * which, never a secret or an expected signature.
 */
public final class InvalidSignatureException extends RuntimeException {

	public InvalidSignatureException(String message) {
		super(message);
	}

}
