package com.acme.integration.status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.core.OAuth2AuthorizationException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * The ERP's status endpoint over a {@link RestClient} whose OAuth2 interceptor adds the bearer token (client
 * credentials, cached until it expires) and, on a 401, drops the cached token. This class then repeats the
 * request once, which fetches a fresh token. Every answer is sorted into success, permanent rejection or
 * transient unavailability; there are no retries here beyond that one: Knative Eventing retries the event.
 */
final class RestClientErpStatusClient implements ErpStatusClient {

	private static final Logger log = LoggerFactory.getLogger(RestClientErpStatusClient.class);

	private static final int MAX_LOGGED_BODY = 512;

	private final RestClient restClient;

	private final ErpStatusMetrics metrics;

	private final Clock clock;

	RestClientErpStatusClient(RestClient restClient, ErpStatusMetrics metrics, Clock clock) {
		this.restClient = restClient;
		this.metrics = metrics;
		this.clock = clock;
	}

	@Override
	public void updateStatus(String orderNumber, ErpStatusUpdate update) {
		ErpResponse response = send(orderNumber, update);
		if (response.status() == 401) {
			log.info("ERP answered 401 for order {}: cached token dropped, retrying once with a new one", orderNumber);
			response = send(orderNumber, update);
		}
		int status = response.status();
		if (status >= 200 && status < 300) {
			return;
		}
		if (status == 429) {
			throw new ErpUnavailableException("the ERP throttled the status update (HTTP 429)", true,
					retryAfter(response.retryAfter()), null);
		}
		if (status == 408 || status >= 500) {
			throw new ErpUnavailableException("the ERP could not take the status update (HTTP " + status + ")", false,
					retryAfter(response.retryAfter()), null);
		}
		if (status == 401) {
			// A fresh token was refused too: the client's rights at the ERP are the problem, which an operator
			// fixes without the event changing, so the event must be retried, not dead-lettered.
			throw new ErpUnavailableException("the ERP refused a freshly issued token (HTTP 401)", false, null, null);
		}
		throw new ErpRejectedException(status);
	}

	private ErpResponse send(String orderNumber, ErpStatusUpdate update) {
		long start = System.nanoTime();
		String outcome = "io-error";
		try {
			ErpResponse response = this.restClient.put()
				.uri("/api/orders/{orderNumber}/status", orderNumber)
				.contentType(MediaType.APPLICATION_JSON)
				.accept(MediaType.APPLICATION_JSON)
				.body(update)
				.exchange((request, clientResponse) -> {
					int status = clientResponse.getStatusCode().value();
					if (status >= 300) {
						log.warn("ERP answered {} for order {}: {}", status, orderNumber, bodyExcerpt(clientResponse));
					}
					return new ErpResponse(status, clientResponse.getHeaders().getFirst(HttpHeaders.RETRY_AFTER));
				});
			outcome = outcome(response.status());
			return response;
		}
		catch (ErpUnavailableException ex) {
			outcome = "token-error";
			throw ex;
		}
		catch (OAuth2AuthorizationException ex) {
			outcome = "token-error";
			log.warn("no access token for the ERP: {}", ex.getError());
			throw new ErpUnavailableException("no access token from the ERP's token endpoint", false, null, ex);
		}
		catch (ResourceAccessException ex) {
			log.warn("ERP not reachable for order {}: {}", orderNumber, ex.getMessage());
			throw new ErpUnavailableException("the ERP is not reachable", false, null, ex);
		}
		catch (RestClientException ex) {
			log.warn("ERP exchange failed for order {}: {}", orderNumber, ex.getMessage());
			throw new ErpUnavailableException("the ERP exchange failed", false, null, ex);
		}
		finally {
			this.metrics.erpRequest(outcome, System.nanoTime() - start);
		}
	}

	private static String outcome(int status) {
		if (status >= 200 && status < 300) {
			return "success";
		}
		if (status == 401) {
			return "unauthorized";
		}
		if (status == 408 || status == 429 || status >= 500) {
			return "unavailable";
		}
		return "rejected";
	}

	private static String bodyExcerpt(RestClient.RequestHeadersSpec.ConvertibleClientHttpResponse response) {
		try {
			byte[] body = response.getBody().readNBytes(MAX_LOGGED_BODY);
			return new String(body, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+", " ");
		}
		catch (IOException ex) {
			return "(body unreadable)";
		}
	}

	/** Retry-After as delta-seconds or an HTTP-date (RFC 9110); anything else is ignored. */
	private @Nullable Duration retryAfter(@Nullable String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			long seconds = Long.parseLong(value.strip());
			return (seconds >= 0) ? Duration.ofSeconds(seconds) : null;
		}
		catch (NumberFormatException ex) {
			try {
				ZonedDateTime at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
				Duration wait = Duration.between(this.clock.instant(), at.toInstant());
				return wait.isNegative() ? Duration.ZERO : wait;
			}
			catch (DateTimeParseException ignored) {
				return null;
			}
		}
	}

	private record ErpResponse(int status, @Nullable String retryAfter) {
	}

}
