package com.acme.integration.config;

import java.io.IOException;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

import org.springframework.http.HttpStatus;

/**
 * When reading a request body fails (the client or the connection went away mid-body, the server is
 * stopping), Tomcat itself sets 400 (408 on a read timeout) and suspends the response before the
 * application sees the exception, so no filter can answer otherwise; the error page would then send
 * that 400 without any log line. A sender takes 400 as final and would drop an order we never got
 * completely. Around the application, this replaces that answer with the 503 and Retry-After that
 * {@link RequestGuardFilter} meant to send, if the response is not committed yet.
 */
class IncompleteBodyValve extends ValveBase {

	private final ProblemWriter problems;

	IncompleteBodyValve(ProblemWriter problems) {
		super(true);
		this.problems = problems;
	}

	@Override
	public void invoke(Request request, Response response) throws IOException, ServletException {
		getNext().invoke(request, response);
		if (request.getAttribute(RequestGuardFilter.INCOMPLETE_BODY) == null || response.isCommitted()) {
			return;
		}
		response.reset();
		response.setSuspended(false);
		request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
		this.problems.write(request, response,
				Problems.of(HttpStatus.SERVICE_UNAVAILABLE, RequestGuardFilter.INCOMPLETE_SLUG,
						RequestGuardFilter.INCOMPLETE_TITLE, RequestGuardFilter.INCOMPLETE_DETAIL),
				RequestGuardFilter.incompleteHeaders());
	}

}
