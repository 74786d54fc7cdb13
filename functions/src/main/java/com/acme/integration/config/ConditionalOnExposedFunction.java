package com.acme.integration.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Registers the annotated configuration (or properties record) only when the named function is
 * listed in {@code spring.cloud.function.definition}. One image serves several services; each
 * binds, validates and wires only what its own functions need (order-status-sync needs no webhook
 * secret, order-webhook no ERP credentials).
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnExposedFunctionCondition.class)
public @interface ConditionalOnExposedFunction {

	/** Function (bean) name, e.g. {@code orderWebhook}. */
	String value();

}
