package com.acme.integration.config;

import org.apache.catalina.Lifecycle;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.valves.ErrorReportValve;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What Tomcat answers on its own is never an HTML page. Boot puts an {@link ErrorReportValve} on
 * the host (with {@code server.error.include-stacktrace=never} it hides the report and the server
 * version, but still renders HTML), and the host adds its default one when there is none. Both are
 * in place once the context starts: that is when this replaces them with a
 * {@link ProblemErrorReportValve}, whatever order the customizers ran in.
 */
@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

	/** Around the application, so that it sees the response after Tomcat's own handling of a failed body read. */
	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> incompleteBodyValve(ProblemWriter problems) {
		return factory -> factory.addContextValves(new IncompleteBodyValve(problems));
	}

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReportValve() {
		return factory -> factory.addContextCustomizers(context -> context.addLifecycleListener(event -> {
			if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
				Pipeline host = context.getParent().getPipeline();
				for (Valve valve : host.getValves()) {
					if (valve instanceof ErrorReportValve) {
						host.removeValve(valve);
					}
				}
				host.addValve(new ProblemErrorReportValve());
			}
		}));
	}

}
