package com.acme.integration.config;

import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

class OnExposedFunctionCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnExposedFunction.class.getName());
		String function = (attributes != null) ? (String) attributes.get("value") : null;
		String definition = context.getEnvironment().getProperty(FunctionDefinition.PROPERTY);
		if (function != null && FunctionDefinition.names(definition).contains(function)) {
			return ConditionOutcome.match(function + " is in " + FunctionDefinition.PROPERTY);
		}
		return ConditionOutcome.noMatch(function + " is not in " + FunctionDefinition.PROPERTY + " (" + definition + ")");
	}

}
