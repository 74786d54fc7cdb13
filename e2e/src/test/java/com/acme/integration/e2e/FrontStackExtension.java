package com.acme.integration.e2e;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the one {@link FrontStack} of the run: started on first use, closed by JUnit when
 * the run ends (values of the root store that are AutoCloseable are closed).
 */
final class FrontStackExtension implements ParameterResolver {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FrontStackExtension.class);

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == FrontStack.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		return context.getRoot().getStore(NAMESPACE).computeIfAbsent(FrontStack.class, key -> FrontStack.start(), FrontStack.class);
	}

}
