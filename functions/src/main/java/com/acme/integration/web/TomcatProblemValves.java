package com.acme.integration.web;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Pipeline;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/** problem+json for what Tomcat answers itself, where neither a filter nor Spring MVC can. */
final class TomcatProblemValves {

	private TomcatProblemValves() {
	}

	/** Installs both; the host's error report valve (Boot's or Tomcat's default) is replaced at start. */
	static void install(TomcatServletWebServerFactory factory) {
		factory.addContextValves(new IncompleteBody());
		factory.addContextCustomizers(context -> context.addLifecycleListener(event -> {
			if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
				Pipeline host = context.getParent().getPipeline();
				for (var valve : host.getValves()) {
					if (valve instanceof ErrorReportValve) {
						host.removeValve(valve);
					}
				}
				host.addValve(new Report());
			}
		}));
	}

	/** For a request line or header section Tomcat cannot parse or that is over the size limit. */
	static final class Report extends ErrorReportValve {

		@Override
		protected void report(Request request, Response response, Throwable throwable) {
			AtomicBoolean ioAllowed = new AtomicBoolean(false);
			response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
			// As Tomcat's own reports: only errors, only once, only if nothing was written yet.
			if (response.getStatus() >= 400 && response.getContentWritten() == 0 && ioAllowed.get()
					&& response.setErrorReported()) {
				HttpStatus status = HttpStatus.valueOf(response.getStatus());
				write(response, status, Problems.slugFor(status.value()), status.getReasonPhrase(), "");
			}
		}

	}

	/**
	 * When a body read fails, Tomcat sets 400 (408 on a timeout) and suspends the response, and its error
	 * page would send that 400, final for a sender, for an order we never got completely: 503 instead.
	 */
	static final class IncompleteBody extends ValveBase {

		IncompleteBody() {
			super(true);
		}

		@Override
		public void invoke(Request request, Response response) throws IOException, ServletException {
			getNext().invoke(request, response);
			if (request.getAttribute(FunctionRequestFilter.INCOMPLETE) != null && !response.isCommitted()) {
				response.reset();
				response.setSuspended(false);
				request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
				response.setHeader("Retry-After", "1");
				write(response, HttpStatus.SERVICE_UNAVAILABLE, "request-incomplete", "Request incomplete",
						",\"detail\":\"The request body could not be read completely. Send the request again.\"");
			}
		}

	}

	private static void write(Response response, HttpStatus status, String slug, String title, String more) {
		try {
			response.setStatus(status.value());
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write("{\"type\":\"" + Problems.type(slug) + "\",\"title\":\"" + title + "\",\"status\":"
						+ status.value() + more + "}");
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// The client is gone or the response is committed: nothing more to say.
		}
	}

}
