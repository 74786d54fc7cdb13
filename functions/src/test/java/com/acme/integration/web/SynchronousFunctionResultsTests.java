package com.acme.integration.web;

import java.lang.reflect.Method;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.function.context.FunctionCatalog;
import org.springframework.cloud.function.web.constants.WebRequestConstants;
import org.springframework.cloud.function.web.mvc.FunctionController;
import org.springframework.core.MethodParameter;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.context.request.async.StandardServletAsyncWebRequest;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import com.acme.integration.sandbox.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FunctionController's {@code Mono} of a plain function is answered in the dispatch that ran
 * the function; anything else still goes through Spring MVC's async handling.
 */
class SynchronousFunctionResultsTests extends IntegrationTestSupport {

	@Autowired
	RequestMappingHandlerAdapter adapter;

	@Autowired
	FunctionController controller;

	@Autowired
	FunctionCatalog catalog;

	@Test
	void comesBeforeSpringMvcsOwnReturnValueHandlers() {
		assertThat(this.adapter.getReturnValueHandlers()).first().isInstanceOf(SynchronousFunctionResults.class);
	}

	@Test
	void writesAPlainFunctionsResultWithoutStartingAsyncProcessing() throws Exception {
		MockHttpServletRequest request = request();
		request.setAttribute(WebRequestConstants.HANDLER, this.catalog.lookup("orderWebhook"));
		MockHttpServletResponse response = new MockHttpServletResponse();

		handle(Mono.just(ResponseEntity.ok().header("Content-Type", "application/json").body("{\"result\":\"created\"}")),
				request, response);

		assertThat(request.isAsyncStarted()).isFalse();
		assertThat(response.getStatus()).isEqualTo(200);
		assertThat(response.getContentType()).isEqualTo("application/json");
		assertThat(response.getContentAsString()).isEqualTo("{\"result\":\"created\"}");
	}

	@Test
	void leavesSendingTheResponseToTheContainerWhenTheRequestCompletes() throws Exception {
		MockHttpServletRequest request = request();
		request.setAttribute(WebRequestConstants.HANDLER, this.catalog.lookup("orderWebhook"));
		MockHttpServletResponse response = new MockHttpServletResponse();

		handle(Mono.just(ResponseEntity.status(422).header("Content-Type", "application/problem+json")
			.header("X-Request-Id", "r-1").body("{\"status\":422}")), request, response);

		// Not flushed (committed) by Spring MVC's ResponseEntity handler: no extra socket write.
		assertThat(response.isCommitted()).isFalse();
		assertThat(response.getStatus()).isEqualTo(422);
		assertThat(response.getContentType()).isEqualTo("application/problem+json");
		// The framework's copy of the request headers is not passed on; the function's Content-Type is.
		assertThat(response.getHeader("X-Request-Id")).isNull();
		assertThat(response.getContentAsString()).isEqualTo("{\"status\":422}");
	}

	@Test
	void leavesAMonoOfAnUnknownHandlerToSpringMvcsAsyncHandling() throws Exception {
		MockHttpServletRequest request = request();
		MockHttpServletResponse response = new MockHttpServletResponse();

		handle(Mono.just(ResponseEntity.ok("{}")), request, response);

		assertThat(request.isAsyncStarted()).isTrue();
	}

	private static MockHttpServletRequest request() {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/orderWebhook");
		request.setAsyncSupported(true);
		return request;
	}

	private void handle(Mono<?> result, MockHttpServletRequest request, MockHttpServletResponse response)
			throws Exception {
		ServletWebRequest webRequest = new ServletWebRequest(request, response);
		WebAsyncUtils.getAsyncManager(request).setAsyncWebRequest(new StandardServletAsyncWebRequest(request, response));
		Method post = FunctionController.class.getMethod("post", WebRequest.class, String.class);
		MethodParameter returnType = new HandlerMethod(this.controller, post).getReturnValueType(result);
		HandlerMethodReturnValueHandlerComposite handlers = new HandlerMethodReturnValueHandlerComposite()
			.addHandlers(this.adapter.getReturnValueHandlers());
		handlers.handleReturnValue(result, returnType, new ModelAndViewContainer(), webRequest);
	}

}
