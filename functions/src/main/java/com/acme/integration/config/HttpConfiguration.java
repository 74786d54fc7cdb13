package com.acme.integration.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.cloud.function.context.FunctionProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;


/**
 * Servlet filters in front of the functions, in this order: response header allow-list (so it
 * also covers what the later filters write), webhook id in the MDC, request guard. All run before
 * Spring Security's filter chain and Spring MVC.
 */
@Configuration(proxyBeanMethods = false)
class HttpConfiguration {

	/** orderStatusSync takes CloudEvents in structured mode as well as plain JSON. */
	@Bean
	FunctionEndpoint orderStatusSyncEndpoint() {
		return new FunctionEndpoint("orderStatusSync",
				List.of(MediaType.APPLICATION_JSON, MediaType.parseMediaType("application/cloudevents+json")));
	}

	/** Non-reactive functions answer in one dispatch, without Spring MVC's async round trip. */
	@Bean
	static BeanPostProcessor synchronousFunctionResults() {
		return SynchronousFunctionResults.installer();
	}

	@Bean
	FilterRegistrationBean<ResponseHeaderFilter> responseHeaderFilter() {
		FilterRegistrationBean<ResponseHeaderFilter> registration = new FilterRegistrationBean<>(
				new ResponseHeaderFilter());
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	@Bean
	FilterRegistrationBean<WebhookLoggingFilter> webhookLoggingFilter() {
		FilterRegistrationBean<WebhookLoggingFilter> registration = new FilterRegistrationBean<>(
				new WebhookLoggingFilter());
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
		return registration;
	}

	@Bean
	FilterRegistrationBean<RequestGuardFilter> requestGuardFilter(FunctionProperties functionProperties,
			ObjectProvider<FunctionEndpoint> endpoints, ObjectProvider<PathMappedEndpoints> actuatorEndpoints,
			Environment environment, ProblemWriter problems) {
		Map<String, List<MediaType>> accepts = new LinkedHashMap<>();
		endpoints.orderedStream()
			.forEach(endpoint -> accepts.computeIfAbsent(endpoint.function(), name -> new ArrayList<>())
				.addAll(endpoint.accepts()));
		PathMappedEndpoints actuator = actuatorEndpoints.getIfAvailable();
		FunctionPaths paths = (actuator != null)
				? new FunctionPaths(functionProperties, actuator.getBasePath(), Set.copyOf(actuator.getAllPaths()))
				: new FunctionPaths(functionProperties, "/actuator", Set.of());
		RequestGuardFilter filter = new RequestGuardFilter(paths, accepts,
				maxBodySize(environment), problems);
		FilterRegistrationBean<RequestGuardFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
		return registration;
	}

	/**
	 * Read directly rather than from WebhookProperties: the limit applies to every function, and
	 * WebhookProperties exists only where orderWebhook is exposed.
	 */
	static DataSize maxBodySize(Environment environment) {
		return Binder.get(environment)
			.bind("integration.webhook.max-body-size", DataSize.class)
			.orElse(DataSize.ofKilobytes(256));
	}

}
