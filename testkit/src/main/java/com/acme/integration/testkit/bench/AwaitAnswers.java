package com.acme.integration.testkit.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import com.acme.integration.testkit.DurationConverter;
import com.acme.integration.testkit.SignedSampleOptions;

/**
 * Sends signed webhooks until {@code --count} of them got a 200: to wait for an app to serve, or to serve a
 * training run its requests. Not listening yet, 404 and 503 (a starting app) are waited out; any other answer
 * fails, so that a training run never records a cache of error paths.
 */
@Command(name = "await", mixinStandardHelpOptions = true,
		description = "Send signed webhooks until COUNT got a 200 (exit 1 on another answer or at the timeout).")
public final class AwaitAnswers implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(index = "0", description = "orderWebhook's URL")
	URI url;

	@Mixin
	SignedSampleOptions signed;

	@Option(names = "--count", defaultValue = "1", description = "200s to wait for (default ${DEFAULT-VALUE})")
	int count;

	@Option(names = "--timeout", defaultValue = "180s", description = "give up after (default ${DEFAULT-VALUE})",
			converter = DurationConverter.class)
	Duration timeout;

	@Override
	public Integer call() throws Exception {
		SignedPost post = new SignedPost(this.signed.secret(), this.signed.sample(), "await");
		long deadline = System.nanoTime() + this.timeout.toNanos();
		int ok = 0;
		long seq = 0;
		try (HttpClient client = SignedPost.client()) {
			while (ok < this.count) {
				if (System.nanoTime() > deadline) {
					this.spec.commandLine().getErr().printf("await: %d of %d webhooks got a 200 from %s within %s%n", ok,
							this.count, this.url, this.timeout);
					return 1;
				}
				SignedPost.Answer answer = post.post(client, this.url, seq++);
				if (answer.status() == 200) {
					ok++;
				}
				else if (answer.status() == -1 || answer.status() == 404 || answer.status() == 503) {
					Thread.sleep(100);
				}
				else {
					this.spec.commandLine().getErr().printf("await: %s answered %d: %.300s%n", this.url, answer.status(),
							answer.body());
					return 1;
				}
			}
		}
		return 0;
	}

}
