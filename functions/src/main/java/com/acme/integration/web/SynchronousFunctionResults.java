package com.acme.integration.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.function.context.catalog.SimpleFunctionRegistry.FunctionInvocationWrapper;
import org.springframework.cloud.function.web.constants.WebRequestConstants;
import org.springframework.cloud.function.web.mvc.FunctionController;
import org.springframework.core.MethodParameter;
import org.springframework.http.ResponseEntity;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.support.AsyncHandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * First among Spring MVC's return value handlers: takes a plain function's {@code ResponseEntity} out
 * of the {@link FunctionController}'s already complete {@code Mono}, keeps its status, body and
 * {@code Content-Type}, and hands it to Spring MVC's {@code ResponseEntity} handler in the same
 * dispatch, whose early flush is left out (the container sends the response in one write).
 */
final class SynchronousFunctionResults implements AsyncHandlerMethodReturnValueHandler {

	private static final MethodParameter ENTITY = new MethodParameter(
			ReflectionUtils.findMethod(SynchronousFunctionResults.class, "entity"), -1);

	private final HandlerMethodReturnValueHandlerComposite others;

	SynchronousFunctionResults(HandlerMethodReturnValueHandlerComposite others) {
		this.others = others;
	}

	/** The return type the entity is handled as. */
	private static @Nullable ResponseEntity<Object> entity() {
		return null;
	}

	@Override
	public boolean supportsReturnType(MethodParameter returnType) {
		return FunctionController.class.isAssignableFrom(returnType.getContainingClass())
				&& Mono.class.isAssignableFrom(returnType.getParameterType());
	}

	/** Claimed as "async" so that it is asked before Spring MVC's handler for reactive types. */
	@Override
	public boolean isAsyncReturnValue(@Nullable Object returnValue, MethodParameter returnType) {
		return returnValue instanceof Mono && supportsReturnType(returnType);
	}

	@Override
	public void handleReturnValue(@Nullable Object returnValue, MethodParameter returnType,
			ModelAndViewContainer mavContainer, NativeWebRequest webRequest) throws Exception {
		HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
		HttpServletResponse response = webRequest.getNativeResponse(HttpServletResponse.class);
		Object handler = webRequest.getAttribute(WebRequestConstants.HANDLER, RequestAttributes.SCOPE_REQUEST);
		if (!(returnValue instanceof Mono<?> mono) || request == null || response == null
				|| !(handler instanceof FunctionInvocationWrapper function) || function.isInputTypePublisher()
				|| function.isOutputTypePublisher() || !(mono.block() instanceof ResponseEntity<?> entity)) {
			this.others.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
			return;
		}
		ResponseEntity.BodyBuilder own = ResponseEntity.status(entity.getStatusCode());
		if (entity.getHeaders().getContentType() != null) {
			own.contentType(entity.getHeaders().getContentType());
		}
		this.others.handleReturnValue(own.body(entity.getBody()), ENTITY, mavContainer,
				new ServletWebRequest(request, new HttpServletResponseWrapper(response) {
					@Override
					public void flushBuffer() {
						// sent when the request completes
					}
				}));
	}

}
