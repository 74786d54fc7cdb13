package com.acme.integration.config;

import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * What the HTTP client sent, for the function that the current request invokes: the body byte for
 * byte and every line of a header.
 *
 * <p>spring-cloud-function-web does not hand a function either. Its {@code FunctionController#post}
 * takes the body as {@code @RequestBody String}, so Spring MVC's string converter decodes it (UTF-8
 * for JSON) and every byte sequence that is not UTF-8 becomes U+FFFD before the function sees
 * it; and it copies the request headers into the message with {@code HttpHeaders#toSingleValueMap},
 * so of a repeated header only the first line arrives. A signature checked over that body is
 * checked over bytes nobody sent. {@link RequestGuardFilter} has read the raw body anyway (to bound
 * it); it keeps it as a request attribute, and the thin function adapters take it from here. The
 * function runs on the request's thread, where {@link RequestContextHolder} holds the request.
 *
 * <p>Outside an HTTP request (a function invoked from the catalog, in a test) the message is all
 * there is, and the methods fall back to it.
 */
public final class RawRequest {

	static final String BODY_ATTRIBUTE = RawRequest.class.getName() + ".body";

	private RawRequest() {
	}

	/**
	 * The body as received, or {@code decoded} (the message payload) when no function request is
	 * being served.
	 */
	public static byte[] body(byte[] decoded) {
		HttpServletRequest request = currentRequest();
		if (request != null && request.getAttribute(BODY_ATTRIBUTE) instanceof byte[] raw) {
			return raw;
		}
		return decoded;
	}

	/**
	 * Every line of the header (names are case-insensitive), in the order received; {@code null}
	 * when no HTTP request is being served.
	 */
	public static @Nullable List<String> headerLines(String name) {
		HttpServletRequest request = currentRequest();
		if (request == null) {
			return null;
		}
		return Collections.list(request.getHeaders(name));
	}

	static void keepBody(HttpServletRequest request, byte[] body) {
		request.setAttribute(BODY_ATTRIBUTE, body);
	}

	private static @Nullable HttpServletRequest currentRequest() {
		RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
		return (attributes instanceof ServletRequestAttributes servlet) ? servlet.getRequest() : null;
	}

}
