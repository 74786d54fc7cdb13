package com.acme.integration.config;

import java.io.ByteArrayInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers what spring-cloud-function-web gets wrong for our function paths before the request
 * reaches it: unknown or unexposed function (404), any method but POST (405 with Allow; the
 * framework would invoke the function or fail with a 500), a content type the function does not
 * take (415), a body over the limit (413, by Content-Length and while reading a chunked body),
 * an empty body (400; 422 for a function that takes CloudEvents), a body that could not be read
 * completely (503 with Retry-After, never a 400: the sender must deliver it again).
 * The body is read here, within the limit, and handed on from memory; the bytes as received stay
 * available to the function through {@link RawRequest}.
 */
class RequestGuardFilter extends OncePerRequestFilter {

	private static final Logger log = LoggerFactory.getLogger(RequestGuardFilter.class);

	/** Request attribute set when the body could not be read completely. */
	static final String INCOMPLETE_BODY = RequestGuardFilter.class.getName() + ".INCOMPLETE_BODY";

	static final String INCOMPLETE_SLUG = "request-incomplete";

	static final String INCOMPLETE_TITLE = "Request incomplete";

	static final String INCOMPLETE_DETAIL = "The request body could not be read completely. Send the request again.";

	private static final Duration INCOMPLETE_RETRY_AFTER = Duration.ofSeconds(1);

	private static final MediaType CLOUD_EVENTS = MediaType.parseMediaType("application/cloudevents+json");

	private static final List<MediaType> DEFAULT_ACCEPTS = List.of(MediaType.APPLICATION_JSON,
			new MediaType("application", "*+json"));

	private final FunctionPaths paths;

	private final Map<String, List<MediaType>> accepts;

	private final DataSize maxBodySize;

	private final ProblemWriter problems;

	RequestGuardFilter(FunctionPaths paths, Map<String, List<MediaType>> accepts, DataSize maxBodySize,
			ProblemWriter problems) {
		this.paths = paths;
		this.accepts = Map.copyOf(accepts);
		this.maxBodySize = maxBodySize;
		this.problems = problems;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String path = FunctionPaths.pathWithinApplication(request);
		if (this.paths.isEndpoint(path)) {
			chain.doFilter(request, response);
			return;
		}
		String function = this.paths.function(path);
		if (function == null) {
			reject(request, response, HttpStatus.NOT_FOUND, "not-found", "Not found",
					"No function is exposed at this path.", HttpHeaders.EMPTY);
			return;
		}
		if (!HttpMethod.POST.matches(request.getMethod())) {
			HttpHeaders allow = new HttpHeaders();
			allow.setAllow(java.util.Set.of(HttpMethod.POST));
			reject(request, response, HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed",
					"Functions are invoked with POST.", allow);
			return;
		}
		List<MediaType> accepted = this.accepts.getOrDefault(function, DEFAULT_ACCEPTS);
		MediaType contentType = contentType(request);
		if (contentType == null || accepted.stream().noneMatch(type -> type.includes(contentType))) {
			HttpHeaders acceptHeader = new HttpHeaders();
			acceptHeader.set("Accept-Post", String.join(", ", accepted.stream().map(MediaType::toString).toList()));
			reject(request, response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
					"Unsupported media type", "Send the body as one of: " + acceptHeader.getFirst("Accept-Post") + ".",
					acceptHeader);
			return;
		}
		long max = this.maxBodySize.toBytes();
		if (request.getContentLengthLong() > max) {
			tooLarge(request, response, max);
			return;
		}
		byte[] body;
		try {
			body = readAtMost(request.getInputStream(), max);
		}
		catch (IOException ex) {
			incomplete(request, response, function, ex.getClass().getSimpleName());
			return;
		}
		if (body == null) {
			tooLarge(request, response, max);
			return;
		}
		if (request.getContentLengthLong() > body.length) {
			incomplete(request, response, function, "body ended after " + body.length + " of "
					+ request.getContentLengthLong() + " bytes");
			return;
		}
		if (body.length == 0 && accepted.contains(CLOUD_EVENTS)) {
			// An event consumer's permanent failures are 422 (issue 3), as the event parser answers a blank body.
			ProblemDetail problem = Problems.of(HttpStatus.UNPROCESSABLE_CONTENT, "validation-failed",
					"Invalid CloudEvent", "The request body is empty; nothing was processed.");
			problem.setProperty("errors", List.of(Map.of("pointer", "#", "detail", "is required: the body is empty")));
			this.problems.write(request, response, problem, HttpHeaders.EMPTY);
			return;
		}
		if (body.length == 0) {
			// The framework would invoke the function with no message at all.
			reject(request, response, HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON",
					"The request body is empty.", HttpHeaders.EMPTY);
			return;
		}
		// The framework decodes the body to a String before the function runs: keep the bytes as sent.
		RawRequest.keepBody(request, body);
		chain.doFilter(new CachedBodyRequest(request, body), response);
	}

	/**
	 * A body that could not be read completely (the client or the connection went away mid-body, the
	 * server is stopping) says nothing about the request: answer 503 so that the sender delivers again,
	 * if it still listens. When the read failed, Tomcat has already taken the response over for a 400
	 * (408 on a read timeout) that a sender would take as final; {@link IncompleteBodyValve} replaces it.
	 */
	private void incomplete(HttpServletRequest request, HttpServletResponse response, String function,
			String reason) throws IOException {
		log.warn("Request to {} answered 503: the body could not be read completely ({})", function, reason);
		request.setAttribute(INCOMPLETE_BODY, Boolean.TRUE);
		reject(request, response, HttpStatus.SERVICE_UNAVAILABLE, INCOMPLETE_SLUG, INCOMPLETE_TITLE, INCOMPLETE_DETAIL,
				incompleteHeaders());
	}

	static HttpHeaders incompleteHeaders() {
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(INCOMPLETE_RETRY_AFTER.toSeconds()));
		return headers;
	}

	private void tooLarge(HttpServletRequest request, HttpServletResponse response, long max) throws IOException {
		reject(request, response, HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large",
				"The body must not exceed " + max + " bytes.", HttpHeaders.EMPTY);
	}

	private void reject(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String slug,
			String title, String detail, HttpHeaders headers) throws IOException {
		this.problems.write(request, response, Problems.of(status, slug, title, detail), headers);
	}

	private static @Nullable MediaType contentType(HttpServletRequest request) {
		String value = request.getContentType();
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			return MediaType.parseMediaType(value);
		}
		catch (InvalidMediaTypeException ex) {
			return null;
		}
	}

	/** The whole body, or null as soon as it exceeds max bytes (chunked bodies have no length). */
	private static byte @Nullable [] readAtMost(InputStream in, long max) throws IOException {
		byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
		return (body.length > max) ? null : body;
	}

	private static final class CachedBodyRequest extends HttpServletRequestWrapper {

		private final byte[] body;

		CachedBodyRequest(HttpServletRequest request, byte[] body) {
			super(request);
			this.body = body;
		}

		@Override
		public ServletInputStream getInputStream() {
			ByteArrayInputStream in = new ByteArrayInputStream(this.body);
			return new ServletInputStream() {

				@Override
				public int read() {
					return in.read();
				}

				@Override
				public int read(byte[] b, int off, int len) {
					return in.read(b, off, len);
				}

				@Override
				public boolean isFinished() {
					return in.available() == 0;
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setReadListener(ReadListener listener) {
					throw new UnsupportedOperationException("The body has already been read");
				}

			};
		}

		@Override
		public BufferedReader getReader() {
			String encoding = getCharacterEncoding();
			Charset charset = (encoding != null) ? Charset.forName(encoding) : StandardCharsets.UTF_8;
			return new BufferedReader(new InputStreamReader(getInputStream(), charset));
		}

		@Override
		public int getContentLength() {
			return this.body.length;
		}

		@Override
		public long getContentLengthLong() {
			return this.body.length;
		}

	}

}
