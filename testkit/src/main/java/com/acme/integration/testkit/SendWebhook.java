package com.acme.integration.testkit;

import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Signs a file byte for byte (a trailing newline is part of it) as a Standard Webhooks sender does and POSTs
 * it: scripts/send-webhook.sh. Prints the webhook id, the HTTP status and the body; exit 0 on a 2xx, 1 on any
 * other answer or none. The secret comes from {@code WEBHOOK_SECRET} (the sandbox's when unset), never from
 * the command line, where other users of the machine could read it.
 */
@Command(name = "send-webhook", mixinStandardHelpOptions = true,
		description = "Sign FILE with $WEBHOOK_SECRET (default: the sandbox secret) and POST it to URL.")
final class SendWebhook implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(index = "0", description = "the JSON file, sent as is")
	Path file;

	@Parameters(index = "1", defaultValue = "http://localhost:8080/orderWebhook",
			description = "default ${DEFAULT-VALUE} (the sandbox)")
	URI url;

	@Option(names = "--id", defaultValue = "${env:WEBHOOK_ID}",
			description = "webhook-id (default $WEBHOOK_ID, else a new one): the same twice shows idempotency")
	String id;

	@Override
	public Integer call() throws Exception {
		if (!Files.isReadable(this.file)) {
			throw new ParameterException(this.spec.commandLine(), "cannot read " + this.file);
		}
		String secret = System.getenv().getOrDefault("WEBHOOK_SECRET", Webhooks.SANDBOX_SECRET);
		byte[] body = Files.readAllBytes(this.file);
		String id = (this.id != null && !this.id.isBlank()) ? this.id : newId();
		HttpRequest.Builder request = HttpRequest.newBuilder(this.url)
			.timeout(Duration.ofSeconds(60))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body));
		new Webhooks(secret).headers(id, body).forEach(request::header);
		try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
			HttpResponse<String> response;
			try {
				response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
			}
			catch (ConnectException ex) {
				throw new IllegalStateException("nothing answers at " + this.url, ex);
			}
			PrintWriter out = this.spec.commandLine().getOut();
			out.println("webhook-id: " + id);
			out.println("HTTP " + response.statusCode());
			out.println(response.body());
			out.flush();
			return (response.statusCode() / 100 == 2) ? 0 : 1;
		}
	}

	private static String newId() {
		byte[] random = new byte[16];
		new SecureRandom().nextBytes(random);
		return "msg_" + HexFormat.of().formatHex(random);
	}

}
