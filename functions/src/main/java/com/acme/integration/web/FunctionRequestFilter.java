package com.acme.integration.web;

import java.io.IOException;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.util.MimeType;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Serves only the exposed functions (404), with POST (405), a JSON body (415), within the size limit
 * (413) and not empty (400); a body that cannot be read completely is answered 503. Refusals are
 * answered by Spring MVC's exception handling. Every response is {@code nosniff} and {@code no-store};
 * every log line of a request carries its webhook id.
 */
final class FunctionRequestFilter extends OncePerRequestFilter {

	private static final Logger log = LoggerFactory.getLogger(FunctionRequestFilter.class);

	/** Request attribute: the body could not be read completely; {@link TomcatProblemValves} answers. */
	static final String INCOMPLETE = FunctionRequestFilter.class.getName() + ".INCOMPLETE";

	/** Only a short, plain token: the header is not verified yet and must not inject into the logs. */
	private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	private static final MimeType ANY_JSON = MimeType.valueOf("application/*+json");

	private final Set<String> functions;

	private final Predicate<String> endpoint;

	private final long maxBody;

	private final HandlerExceptionResolver problems;

	/**
	 * @param functions the exposed function names, each served at {@code /<name>}
	 * @param endpoint the paths something else serves (the exposed actuator endpoints)
	 * @param maxBody largest accepted body, in bytes
	 * @param problems Spring MVC's exception handling
	 */
	FunctionRequestFilter(Set<String> functions, Predicate<String> endpoint, long maxBody,
			HandlerExceptionResolver problems) {
		this.functions = Set.copyOf(functions);
		this.endpoint = endpoint;
		this.maxBody = maxBody;
		this.problems = problems;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
		String path = request.getRequestURI().substring(request.getContextPath().length());
		if (this.endpoint.test(path)) {
			chain.doFilter(request, response);
			return;
		}
		ErrorResponseException refusal = refusal(path, request);
		if (refusal != null) {
			this.problems.resolveException(request, response, null, refusal);
			return;
		}
		ServletInputStream body = new BoundedBody(request);
		String id = request.getHeader("webhook-id");
		if (id != null) {
			MDC.put("webhook_id", SAFE_ID.matcher(id).matches() ? id : "invalid");
		}
		try {
			chain.doFilter(new HttpServletRequestWrapper(request) {
				@Override
				public ServletInputStream getInputStream() {
					return body;
				}
			}, response);
		}
		finally {
			MDC.remove("webhook_id");
		}
	}

	private @Nullable ErrorResponseException refusal(String path, HttpServletRequest request) {
		if (!this.functions.contains(path.substring(1))) {
			return refusal(HttpStatus.NOT_FOUND, "not-found", "Not found", "No function is exposed at this path.");
		}
		if (!HttpMethod.POST.matches(request.getMethod())) {
			ErrorResponseException refusal = refusal(HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed",
					"Method not allowed", "Functions are invoked with POST.");
			refusal.getHeaders().setAllow(Set.of(HttpMethod.POST));
			return refusal;
		}
		String type = request.getContentType();
		if (type == null || !isJson(type)) {
			ErrorResponseException refusal = refusal(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
					"Unsupported media type", "Send the body as application/json or application/*+json.");
			refusal.getHeaders().set("Accept-Post", "application/json, application/*+json");
			return refusal;
		}
		return (request.getContentLengthLong() > this.maxBody) ? tooLarge(this.maxBody) : null;
	}

	private static boolean isJson(String contentType) {
		try {
			MimeType type = MimeType.valueOf(contentType);
			return MediaType.APPLICATION_JSON.includes(type) || ANY_JSON.includes(type);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	static ErrorResponseException refusal(HttpStatus status, String slug, String title, String detail) {
		return new ErrorResponseException(status, Problems.of(status, slug, title, detail), null);
	}

	static ErrorResponseException tooLarge(long max) {
		return refusal(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
				"The body must not exceed " + max + " bytes.");
	}

	/** The body stream: stops at the limit, at an empty body and at a failed read. */
	private final class BoundedBody extends ServletInputStream {

		private final HttpServletRequest request;

		private final ServletInputStream in;

		private long read;

		BoundedBody(HttpServletRequest request) throws IOException {
			this.request = request;
			this.in = request.getInputStream();
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return (read(one, 0, 1) < 0) ? -1 : (one[0] & 0xff);
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int n;
			try {
				n = this.in.read(buffer, offset, length);
			}
			catch (IOException ex) {
				// Says nothing about the request: the sender must send it again (TomcatProblemValves).
				if (this.request.getAttribute(INCOMPLETE) == null) {
					log.warn("Request answered 503: the body could not be read completely ({})",
							ex.getClass().getSimpleName());
					this.request.setAttribute(INCOMPLETE, Boolean.TRUE);
				}
				throw ex;
			}
			if (n < 0 && this.read == 0) {
				// The framework would invoke the function with no input at all.
				throw refusal(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", "The request body is empty.");
			}
			this.read += Math.max(n, 0);
			if (this.read > FunctionRequestFilter.this.maxBody) {
				throw tooLarge(FunctionRequestFilter.this.maxBody);
			}
			return n;
		}

		@Override
		public boolean isFinished() {
			return this.in.isFinished();
		}

		@Override
		public boolean isReady() {
			return this.in.isReady();
		}

		@Override
		public void setReadListener(ReadListener listener) {
			this.in.setReadListener(listener);
		}

	}

}
