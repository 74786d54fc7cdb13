package com.acme.integration.config;

import java.io.IOException;
import java.util.regex.Pattern;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts the {@code webhook-id} of the request into the MDC as {@code webhook_id}, so every log line
 * of the request carries it. The value comes from the caller before any verification: only a
 * short, plain token is taken, so a forged header cannot inject into the logs.
 */
class WebhookLoggingFilter extends OncePerRequestFilter {

	static final String MDC_KEY = "webhook_id";

	private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String id = request.getHeader("webhook-id");
		if (id == null) {
			chain.doFilter(request, response);
			return;
		}
		MDC.put(MDC_KEY, SAFE_ID.matcher(id).matches() ? id : "invalid");
		try {
			chain.doFilter(request, response);
		}
		finally {
			MDC.remove(MDC_KEY);
		}
	}

}
