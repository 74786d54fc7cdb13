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
 * definition; so only the names listed in {@code spring.cloud.function.definition} are exposed and
 * every other path outside actuator answers 404.
 */
final class FunctionPaths {

	private final Set<String> exposed;

	FunctionPaths(FunctionProperties functionProperties) {
		this.exposed = parse(functionProperties.getDefinition());
	}

	FunctionPaths(Set<String> exposed) {
		this.exposed = Set.copyOf(exposed);
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

	/** Paths that are not functions and keep their own handling. */
	static boolean isInfrastructure(String path) {
		return path.equals("/actuator") || path.startsWith("/actuator/") || path.equals("/error");
	}

	/** The exposed function this path invokes, or null. */
	@Nullable String function(String path) {
		String name = path.startsWith("/") ? path.substring(1) : path;
		return this.exposed.contains(name) ? name : null;
	}

}
