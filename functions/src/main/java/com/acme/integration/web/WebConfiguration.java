package com.acme.integration.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.ObservationFilter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.util.unit.DataSize;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import com.acme.integration.config.FunctionDefinition;

@Configuration(proxyBeanMethods = false)
class WebConfiguration {

	@Bean
	FilterRegistrationBean<FunctionRequestFilter> functionRequestFilter(Environment environment,
			ObjectProvider<PathMappedEndpoints> actuator,
			@Qualifier("handlerExceptionResolver") HandlerExceptionResolver problems) {
		PathMappedEndpoints endpoints = actuator.getIfAvailable();
		String base = (endpoints != null) ? endpoints.getBasePath() : "/actuator";
		List<String> served = (endpoints != null) ? List.copyOf(endpoints.getAllPaths()) : List.of();
		// Bound here rather than through WebhookProperties, which exists only where orderWebhook is exposed.
		DataSize maxBody = Binder.get(environment).bind("integration.webhook.max-body-size", DataSize.class)
			.orElse(DataSize.ofKilobytes(256));
		FunctionRequestFilter filter = new FunctionRequestFilter(
				FunctionDefinition.names(environment.getProperty(FunctionDefinition.PROPERTY)),
				path -> path.startsWith(base) && (path.equals(base)
						|| served.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"))),
				maxBody.toBytes(), problems);
		FilterRegistrationBean<FunctionRequestFilter> registration = new FilterRegistrationBean<>(filter);
		// Right after Boot's http.server.requests observation filter, so that refusals are counted too.
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
		return registration;
	}

	/**
	 * {@code http.server.requests} tagged with the function's path ({@code uri="/orderWebhook"}): the framework
	 * maps every function to {@code /**}, which would count all of them as one.
	 */
	@Bean
	ObservationFilter functionUris(Environment environment) {
		Set<String> functions = FunctionDefinition.names(environment.getProperty(FunctionDefinition.PROPERTY));
		return context -> {
			if (context instanceof ServerRequestObservationContext request
					&& (request.getPathPattern() == null || "/**".equals(request.getPathPattern()))) {
				String path = request.getCarrier().getRequestURI().substring(request.getCarrier().getContextPath().length());
				if (path.length() > 1 && functions.contains(path.substring(1))) {
					request.addLowCardinalityKeyValue(KeyValue.of("uri", path));
				}
			}
			return context;
		};
	}

	@Bean
	static BeanPostProcessor synchronousFunctionResults() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getReturnValueHandlers() != null) {
					List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>(adapter.getReturnValueHandlers());
					handlers.addFirst(new SynchronousFunctionResults(
							new HandlerMethodReturnValueHandlerComposite().addHandlers(adapter.getReturnValueHandlers())));
					adapter.setReturnValueHandlers(handlers);
				}
				return bean;
			}
		};
	}

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> tomcatProblemValves() {
		return TomcatProblemValves::install;
	}

}
