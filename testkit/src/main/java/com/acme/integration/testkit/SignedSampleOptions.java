package com.acme.integration.testkit;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The options of every command that sends signed webhooks: the signing secret and the sample it varies. */
public final class SignedSampleOptions {

	@Option(names = "--secret", required = true, description = "whsec_... (test-only)")
	String secret;

	@Option(names = "--sample", required = true, description = "sample webhook (JSON) to vary")
	Path sample;

	public String secret() {
		return this.secret;
	}

	public SampleWebhook sample() {
		return SampleWebhook.read(this.sample);
	}

}
