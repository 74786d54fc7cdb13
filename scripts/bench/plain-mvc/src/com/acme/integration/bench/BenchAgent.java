package com.acme.integration.bench;

import java.lang.instrument.Instrumentation;

/**
 * Does nothing: being a Java agent is only how the benchmark puts this jar on the class path of
 * the unchanged production launch ({@code java -jar functions.jar}), where the application's
 * component scan finds {@link PlainOrderWebhookController}.
 */
public final class BenchAgent {

	private BenchAgent() {
	}

	public static void premain(String args, Instrumentation instrumentation) {
		// nothing to instrument
	}

}
