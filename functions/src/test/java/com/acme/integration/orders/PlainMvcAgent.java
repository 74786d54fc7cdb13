package com.acme.integration.orders;

import java.lang.instrument.Instrumentation;

/**
 * Does nothing: being a Java agent is only how scripts/bench/throughput.sh puts the plain MVC jar (these
 * test classes and plain-mvc/META-INF/spring.factories) on the class path of the unchanged production
 * launch (run-functions.sh, {@code java -jar}), where Spring Boot finds the spring.factories and so
 * {@link PlainMvcInitializer}.
 */
public final class PlainMvcAgent {

	private PlainMvcAgent() {
	}

	public static void premain(String args, Instrumentation instrumentation) {
		// nothing to instrument
	}

}
