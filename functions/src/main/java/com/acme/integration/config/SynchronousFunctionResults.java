package com.acme.integration.config;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.function.context.catalog.SimpleFunctionRegistry.FunctionInvocationWrapper;
import org.springframework.cloud.function.web.constants.WebRequestConstants;
import org.springframework.cloud.function.web.mvc.FunctionController;
import org.springframework.core.MethodParameter;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.support.AsyncHandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Answers a non-reactive function's HTTP request in the dispatch that ran it.
 * <p>
 * spring-cloud-function-web's {@link FunctionController} returns every result as a {@link Mono},
 * even where the function has already run and returned a plain value. Spring MVC serves any
 * {@code Mono} asynchronously: it starts async processing, and once the {@code Mono} completes it
 * dispatches the request a second time through the servlet container, the Spring Security filter
 * chain and the {@code DispatcherServlet}. Measured with {@code scripts/bench/throughput.sh}, that
 * second pass was most of what the function layer cost per webhook (docs/performance.md).
 * <p>
 * This handler goes first among Spring MVC's return value handlers and takes only the
 * {@code FunctionController}'s results for functions whose input and output are not
 * {@code Publisher}s: their {@code Mono} is already complete (the function ran before it was
 * made), so reading it does not wait. The value (a {@code ResponseEntity}) then goes to the
 * handler Spring MVC would pick after the async dispatch, with the same return type it would use
 * there. Reactive functions keep Spring MVC's async handling.
 */
final class SynchronousFunctionResults implements AsyncHandlerMethodReturnValueHandler {

	private final HandlerMethodReturnValueHandlerComposite others = new HandlerMethodReturnValueHandlerComposite();

	private SynchronousFunctionResults(List<HandlerMethodReturnValueHandler> others) {
		this.others.addHandlers(others);
	}

	/** Puts this handler before Spring MVC's own return value handlers. */
	static BeanPostProcessor installer() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getReturnValueHandlers() != null) {
					List<HandlerMethodReturnValueHandler> handlers = new ArrayList<>();
					handlers.add(new SynchronousFunctionResults(adapter.getReturnValueHandlers()));
					handlers.addAll(adapter.getReturnValueHandlers());
					adapter.setReturnValueHandlers(handlers);
				}
				return bean;
			}
		};
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
		if (!(returnValue instanceof Mono<?> mono) || !servesPlainFunction(webRequest)) {
			this.others.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
			return;
		}
		Object value = mono.block();
		this.others.handleReturnValue(value, new ResolvedValue(returnType, value), mavContainer,
				withoutEarlyFlush(webRequest));
	}

	/**
	 * Spring MVC's {@code ResponseEntity} handler flushes the response after writing it, to send
	 * the headers of a response without a body. Flushed there, every function response left in a
	 * socket write of its own, mid-request, and the container wrote again when the request ended:
	 * the largest single cost of the function layer in a CPU profile of
	 * {@code scripts/bench/throughput.sh} (docs/performance.md). The container sends the whole
	 * response, headers included, when the request completes, right after this, as it does for a
	 * plain {@code @ResponseBody} controller.
	 */
	private static NativeWebRequest withoutEarlyFlush(NativeWebRequest webRequest) {
		HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
		HttpServletResponse response = webRequest.getNativeResponse(HttpServletResponse.class);
		if (request == null || response == null) {
			return webRequest;
		}
		return new ServletWebRequest(request, new HttpServletResponseWrapper(response) {
			@Override
			public void flushBuffer() {
				// sent when the request completes
			}
		});
	}

	private static boolean servesPlainFunction(NativeWebRequest webRequest) {
		Object handler = webRequest.getAttribute(WebRequestConstants.HANDLER, RequestAttributes.SCOPE_REQUEST);
		return handler instanceof FunctionInvocationWrapper function && !function.isInputTypePublisher()
				&& !function.isOutputTypePublisher();
	}

	/**
	 * The controller method's return type narrowed to the class of the value its {@code Mono} held:
	 * what Spring MVC uses for a result that arrives through an async dispatch.
	 */
	private static final class ResolvedValue extends MethodParameter {

		private final Class<?> type;

		ResolvedValue(MethodParameter original, @Nullable Object value) {
			super(original);
			this.type = (value != null) ? value.getClass() : Object.class;
		}

		private ResolvedValue(ResolvedValue original) {
			super(original);
			this.type = original.type;
		}

		@Override
		public Class<?> getParameterType() {
			return this.type;
		}

		@Override
		public Type getGenericParameterType() {
			return this.type;
		}

		@Override
		public ResolvedValue clone() {
			return new ResolvedValue(this);
		}

	}

}
