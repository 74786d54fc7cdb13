package com.acme.integration.config;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

class OnExposedFunctionCondition extends SpringBootCondition {

	static final String DEFINITION = "spring.cloud.function.definition";

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnExposedFunction.class.getName());
		String function = (attributes != null) ? (String) attributes.get("value") : null;
		String definition = context.getEnvironment().getProperty(DEFINITION);
		if (function != null && FunctionPaths.parse(definition).contains(function)) {
			return ConditionOutcome.match(function + " is in " + DEFINITION);
		}
		return ConditionOutcome.noMatch(function + " is not in " + DEFINITION + " (" + definition + ")");
	}

}
