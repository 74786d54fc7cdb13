package com.acme.integration.testkit.bench;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import com.acme.integration.testkit.SampleWebhook;

/**
 * Pre-signs webhooks for wrk, whose Lua has no HMAC (scripts/bench/post-webhooks.lua): one request per line,
 * tab separated: webhook-id, webhook-timestamp, webhook-signature, body (compact JSON).
 */
@Command(name = "signed-requests", mixinStandardHelpOptions = true,
		description = "Write pre-signed webhooks, one per line, for scripts/bench/post-webhooks.lua.")
public final class SignedRequests implements Callable<Integer> {

	@Option(names = "--secret", required = true, description = "whsec_... (test-only)")
	String secret;

	@Option(names = "--sample", required = true, description = "sample webhook (JSON) to vary")
	Path sample;

	@Option(names = "--count", required = true, description = "how many")
	int count;

	@Option(names = "--prefix", defaultValue = "bench", description = "part of every webhook id and order number")
	String prefix;

	@Option(names = "--out", required = true, description = "the file to write")
	Path out;

	@Override
	public Integer call() throws Exception {
		SignedPost signer = new SignedPost(this.secret, SampleWebhook.read(this.sample), this.prefix);
		try (BufferedWriter writer = Files.newBufferedWriter(this.out, StandardCharsets.UTF_8)) {
			for (long seq = 0; seq < this.count; seq++) {
				SignedPost.Signed signed = signer.sign(seq);
				writer.write(signed.id() + "\t" + signed.timestamp() + "\t" + signed.signature() + "\t"
						+ new String(signed.body(), StandardCharsets.UTF_8) + "\n");
			}
		}
		return 0;
	}

}
