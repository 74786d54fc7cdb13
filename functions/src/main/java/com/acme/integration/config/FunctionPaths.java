package com.acme.integration.config;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.function.context.FunctionProperties;
import org.springframework.util.StringUtils;

/**
 * Which request paths are function invocations. spring-cloud-function-web serves every function
 * bean of the catalog by its name, and a POST to any other path falls back to the function
 * definition (even a GET to an actuator endpoint that is not exposed); so only the names listed in
 * {@code spring.cloud.function.definition} and the exposed actuator endpoints are served, every other
 * path answers 404.
 */
final class FunctionPaths {

	private final Set<String> exposed;

	private final String actuatorBasePath;

	private final Set<String> endpointPaths;

	/**
	 * @param functionProperties for the definition
	 * @param actuatorBasePath e.g. {@code /actuator}
	 * @param endpointPaths paths of the exposed actuator endpoints, e.g. {@code /actuator/health}
	 */
	FunctionPaths(FunctionProperties functionProperties, String actuatorBasePath, Set<String> endpointPaths) {
		this.exposed = parse(functionProperties.getDefinition());
		this.actuatorBasePath = actuatorBasePath;
		this.endpointPaths = Set.copyOf(endpointPaths);
	}

	static Set<String> parse(@Nullable String definition) {
		if (!StringUtils.hasText(definition)) {
			return Set.of();
		}
		return Arrays.stream(definition.split(";"))
			.map(String::trim)
			.filter(StringUtils::hasText)
			.collect(Collectors.toUnmodifiableSet());
	}

	Set<String> exposed() {
		return this.exposed;
	}

	static String pathWithinApplication(HttpServletRequest request) {
		String uri = request.getRequestURI();
		String contextPath = request.getContextPath();
		return (StringUtils.hasLength(contextPath) && uri.startsWith(contextPath)) ? uri.substring(contextPath.length())
				: uri;
	}

	/** Exposed actuator endpoints (and what is below them, e.g. health groups) keep their own handling. */
	boolean isEndpoint(String path) {
		return path.equals(this.actuatorBasePath) || this.endpointPaths.stream()
			.anyMatch(endpoint -> path.equals(endpoint) || path.startsWith(endpoint + "/"));
	}

	/** The exposed function this path invokes, or null. */
	@Nullable String function(String path) {
		String name = path.startsWith("/") ? path.substring(1) : path;
		return this.exposed.contains(name) ? name : null;
	}

}
