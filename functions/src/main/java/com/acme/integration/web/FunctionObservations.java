package com.acme.integration.web;

import java.util.Set;

import io.micrometer.common.KeyValue;

import org.springframework.http.server.observation.DefaultServerRequestObservationConvention;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * {@code http.server.requests} tagged with the function's path ({@code uri="/orderWebhook"}): the framework
 * maps every function to {@code /**}, which would count all of them as one.
 */
final class FunctionObservations extends DefaultServerRequestObservationConvention {

	private final Set<String> functions;

	FunctionObservations(Set<String> functions) {
		this.functions = Set.copyOf(functions);
	}

	@Override
	protected KeyValue uri(ServerRequestObservationContext context) {
		String path = context.getCarrier().getRequestURI().substring(context.getCarrier().getContextPath().length());
		String pattern = context.getPathPattern();
		if ((pattern == null || pattern.equals("/**")) && path.length() > 1 && this.functions.contains(path.substring(1))) {
			return KeyValue.of("uri", path);
		}
		return super.uri(context);
	}

}
