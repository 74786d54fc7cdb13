package com.acme.integration.config;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Response header allow-list. spring-cloud-function-web copies request headers (and function
 * output message headers) into the response; {@code spring.cloud.function.http.ignored-headers}
 * only removes names it lists exactly, so prefixes such as {@code ce-*} or {@code webhook-*} and
 * anything a caller invents would still come back. Only the headers below ever leave.
 * <p>
 * Every response also says {@code X-Content-Type-Options: nosniff} and, unless the handler sets
 * its own, {@code Cache-Control: no-store}: answers about orders are for the caller only, and
 * no cache or browser should keep or reinterpret them.
 */
class ResponseHeaderFilter extends OncePerRequestFilter {

	static final Set<String> ALLOWED = Set.of("content-type", "content-length", "content-language",
			"content-encoding", "transfer-encoding", "connection", "keep-alive", "date", "vary", "allow",
			"accept-post", "retry-after", "location", "etag", "last-modified", "cache-control", "pragma", "expires",
			"x-content-type-options", "x-frame-options", "x-xss-protection", "strict-transport-security",
			"referrer-policy", "content-security-policy");

	static boolean allowed(String name) {
		return ALLOWED.contains(name.toLowerCase(Locale.ROOT));
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setHeader("Cache-Control", "no-store");
		chain.doFilter(request, new AllowListResponse(response));
	}

	private static final class AllowListResponse extends HttpServletResponseWrapper {

		AllowListResponse(HttpServletResponse response) {
			super(response);
		}

		@Override
		public void setHeader(String name, String value) {
			if (allowed(name)) {
				super.setHeader(name, value);
			}
		}

		@Override
		public void addHeader(String name, String value) {
			if (allowed(name)) {
				super.addHeader(name, value);
			}
		}

		@Override
		public void setIntHeader(String name, int value) {
			if (allowed(name)) {
				super.setIntHeader(name, value);
			}
		}

		@Override
		public void addIntHeader(String name, int value) {
			if (allowed(name)) {
				super.addIntHeader(name, value);
			}
		}

		@Override
		public void setDateHeader(String name, long date) {
			if (allowed(name)) {
				super.setDateHeader(name, date);
			}
		}

		@Override
		public void addDateHeader(String name, long date) {
			if (allowed(name)) {
				super.addDateHeader(name, date);
			}
		}

	}

}
