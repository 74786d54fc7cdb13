package com.acme.integration.bench;

import java.lang.instrument.Instrumentation;

/**
 * Does nothing: being a Java agent is only how the benchmark puts this jar on the class path of
 * the unchanged production launch (run-functions.sh, {@code java -jar}), where Spring Boot finds
 * its META-INF/spring.factories and so {@link com.acme.integration.orders.PlainMvcInitializer}.
 */
public final class BenchAgent {

	private BenchAgent() {
	}

	public static void premain(String args, Instrumentation instrumentation) {
		// nothing to instrument
	}

}
