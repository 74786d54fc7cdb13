package com.acme.integration.e2e;

import com.acme.integration.testkit.Webhooks;

/** Standard Webhooks signing, as the customer's ERP does it: the testkit's signer. */
final class Signer {

	private Signer() {
	}

	static String sign(String secret, String id, long timestamp, byte[] body) {
		return new Webhooks(secret).sign(id, timestamp, body);
	}

}
