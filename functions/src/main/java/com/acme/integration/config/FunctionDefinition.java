package com.acme.integration.config;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.util.StringUtils;

/** The functions a service exposes: the names listed in {@code spring.cloud.function.definition}. */
public final class FunctionDefinition {

	public static final String PROPERTY = "spring.cloud.function.definition";

	private FunctionDefinition() {
	}

	/** The names in a definition such as {@code orderWebhook;mapOrder}, blanks and repeats ignored. */
	public static Set<String> names(@Nullable String definition) {
		if (!StringUtils.hasText(definition)) {
			return Set.of();
		}
		return Arrays.stream(definition.split(";"))
			.map(String::trim)
			.filter(StringUtils::hasText)
			.collect(Collectors.toUnmodifiableSet());
	}

}
