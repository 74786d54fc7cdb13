package com.acme.integration.orders;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Calls our Orders API for one webhook, exactly once as far as the API can tell: every attempt
 * carries the webhook id as {@code Idempotency-Key}. Transient failures (I/O errors, timeouts,
 * empty responses, 5xx, 408, 429, and 401/403 which mean our credentials, not the order, are
 * wrong) are retried with exponential backoff and jitter, honouring {@code Retry-After}, within
 * one total deadline; each attempt's timeout is capped by what is left of it. What still fails is
 * an {@link UpstreamUnavailableException}; a business rejection is an
 * {@link UpstreamRejectedException}, a request in flight with the same key an
 * {@link UpstreamConflictException}, an update or cancellation of an order the API does not know
 * (yet) an {@link UpstreamOrderUnknownException}. Every call carries the event's own time as
 * {@code Event-Time}, so that the API can tell which of two events for one order is the newer.
 */
class OrdersApiClient {

	private static final Logger log = LoggerFactory.getLogger(OrdersApiClient.class);

	static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";

	static final String EVENT_TIME = "Event-Time";

	private static final int MAX_TITLE = 200;

	private static final int MAX_DETAIL = 1000;

	private static final int MAX_ERRORS = 100;

	private static final Pattern URL = Pattern.compile("\\b[a-zA-Z][a-zA-Z0-9+.-]*://\\S+");

	private static final Pattern BEARER = Pattern.compile("(?i)bearer\\s+\\S+");

	/** What our API does for each event type. */
	enum Operation {

		CREATE(HttpMethod.POST, "create"), UPDATE(HttpMethod.PUT, "update"), CANCEL(HttpMethod.POST, "cancel");

		final HttpMethod method;

		final String tag;

		Operation(HttpMethod method, String tag) {
			this.method = method;
			this.tag = tag;
		}

	}

	/** The API has the order: its id, and whether this was an idempotent replay of an earlier call. */
	record Accepted(@Nullable String orderId, boolean replayed) {
	}

	private final OrdersApiProperties properties;

	private final HttpClient httpClient;

	private final JsonMapper jsonMapper;

	private final Clock clock;

	private final MeterRegistry meters;

	/** For attempts with the full read timeout (all but late retries): built once, not per request. */
	private final RestClient restClient;

	OrdersApiClient(OrdersApiProperties properties, JsonMapper jsonMapper, MeterRegistry meters, Clock clock) {
		this.properties = properties;
		this.jsonMapper = jsonMapper;
		this.meters = meters;
		this.clock = clock;
		this.httpClient = HttpClient.newBuilder()
			.connectTimeout(properties.connectTimeout())
			.version(HttpClient.Version.HTTP_1_1)
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
		this.restClient = restClient(properties.readTimeout());
	}

	/**
	 * A client whose requests time out after {@code readTimeout}. Building one sets up its message
	 * converters (Jackson mappers included), which costs more than a whole call to a fast API: done
	 * once for the configured timeout, per attempt only when what is left of the deadline is shorter.
	 */
	private RestClient restClient(Duration readTimeout) {
		JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(this.httpClient);
		requestFactory.setReadTimeout(readTimeout);
		// Our API's answers are small. With compression on, the factory asks for gzip and reads the body
		// through a GZIPInputStream that its timeout closes from another thread: the read then fails with
		// IllegalStateException ("Inflater has been closed") instead of an IOException.
		requestFactory.enableCompression(false);
		return RestClient.builder().requestFactory(requestFactory).build();
	}

	URI uri(Operation operation, String externalRef) {
		UriComponentsBuilder uri = UriComponentsBuilder.fromUri(this.properties.baseUrl());
		switch (operation) {
			case CREATE -> uri.path("/api/v1/orders");
			case UPDATE -> uri.path("/api/v1/orders/by-external-ref").pathSegment(externalRef);
			case CANCEL -> uri.path("/api/v1/orders/by-external-ref").pathSegment(externalRef, "cancel");
		}
		return uri.build().encode().toUri();
	}

	/**
	 * Sends one order operation, retrying transient failures until the deadline.
	 * @param eventTime when the event happened at the customer (RFC 3339)
	 * @param body the JSON request body, sent unchanged on every attempt
	 */
	Accepted send(Operation operation, String externalRef, String idempotencyKey, String eventTime, byte[] body) {
		URI uri = uri(operation, externalRef);
		long start = System.nanoTime();
		Duration deadline = this.properties.deadline();
		AtomicReference<@Nullable Duration> retryAfterHint = new AtomicReference<>();
		AtomicInteger attempts = new AtomicInteger();
		RetryTemplate retryTemplate = new RetryTemplate(RetryPolicy.builder()
			.backOff(honouringRetryAfter(retryAfterHint))
			.timeout(deadline)
			.predicate(TransientFailure.class::isInstance)
			.build());
		try {
			return retryTemplate.execute(() -> {
				if (attempts.incrementAndGet() > 1) {
					Counter.builder("integration.orders_api.retries")
						.description("Retries of Orders API calls after a transient failure")
						.tag("operation", operation.tag)
						.register(this.meters)
						.increment();
				}
				Duration remaining = deadline.minusNanos(System.nanoTime() - start);
				if (remaining.isNegative() || remaining.isZero()) {
					throw new TransientFailure("deadline reached before the attempt", null, null);
				}
				try {
					return attempt(operation, uri, externalRef, idempotencyKey, eventTime, body,
							min(this.properties.readTimeout(), remaining));
				}
				catch (TransientFailure ex) {
					retryAfterHint.set(ex.retryAfter);
					log.warn("Orders API {} attempt {} failed: {}", operation.tag, attempts.get(), ex.getMessage());
					throw ex;
				}
			});
		}
		catch (RetryException ex) {
			Throwable last = ex.getCause();
			if (last instanceof TransientFailure transientFailure) {
				Duration retryAfter = (transientFailure.retryAfter != null)
						? max(transientFailure.retryAfter, Duration.ofSeconds(1))
						: this.properties.unavailableRetryAfter();
				log.warn("Orders API {} unavailable after {} attempt(s) within {}: {}", operation.tag, attempts.get(),
						deadline, transientFailure.getMessage());
				throw new UpstreamUnavailableException("Orders API unavailable", retryAfter, transientFailure);
			}
			if (last instanceof UpstreamFailure && !(last instanceof TransientFailure)
					&& last.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			if (last instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException("Orders API call failed", last);
		}
	}

	private Accepted attempt(Operation operation, URI uri, String externalRef, String idempotencyKey,
			String eventTime, byte[] body, Duration timeout) {
		RestClient restClient = timeout.equals(this.properties.readTimeout()) ? this.restClient : restClient(timeout);
		Timer.Sample sample = Timer.start(this.meters);
		String outcome = "io_error";
		try {
			Accepted accepted = restClient.method(operation.method)
				.uri(uri)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + this.properties.token())
				.header(IDEMPOTENCY_KEY, idempotencyKey)
				.header(EVENT_TIME, eventTime)
				.contentType(MediaType.APPLICATION_JSON)
				.accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
				.body(body)
				.exchange((request, response) -> classify(operation, externalRef, response.getStatusCode(),
						response.getHeaders(), response.getBody().readAllBytes()));
			outcome = "accepted";
			return (accepted != null) ? accepted : new Accepted(null, false);
		}
		catch (UpstreamFailure ex) {
			outcome = ex.outcome();
			throw ex;
		}
		catch (ResourceAccessException ex) {
			throw new TransientFailure("I/O error: " + describe(ex), null, ex);
		}
		catch (RuntimeException ex) {
			// Whatever else fails while exchanging with our API (the HTTP client's internals throw unchecked
			// exceptions on broken or closed responses) leaves us not knowing whether the API has the order:
			// transient, like an I/O error; the idempotency key makes the retry safe.
			throw new TransientFailure("unexpected failure: " + describe(ex), null, ex);
		}
		finally {
			sample.stop(Timer.builder("integration.orders_api.requests")
				.description("Latency of single Orders API attempts")
				.tag("operation", operation.tag)
				.tag("outcome", outcome)
				.register(this.meters));
		}
	}

	private Accepted classify(Operation operation, String externalRef, HttpStatusCode status, HttpHeaders headers,
			byte[] body) {
		int code = status.value();
		if (status.is2xxSuccessful()) {
			return new Accepted(orderId(body), "true".equalsIgnoreCase(headers.getFirst(IDEMPOTENT_REPLAYED)));
		}
		if (code == 404 && operation != Operation.CREATE) {
			throw new UnknownOrder(
					new UpstreamOrderUnknownException(externalRef, this.properties.unknownOrderRetryAfter()));
		}
		Duration retryAfter = retryAfter(headers.getFirst(HttpHeaders.RETRY_AFTER));
		if (code == 409) {
			throw new Conflict(new UpstreamConflictException("Orders API has a request with this key in flight",
					retryAfter));
		}
		if (code == 429 || code == 408 || status.is5xxServerError()) {
			throw new TransientFailure("status " + code, retryAfter, null);
		}
		if (code == 401 || code == 403) {
			log.error("Orders API refused our credentials (status {}): check integration.orders-api.token", code);
			throw new TransientFailure("status " + code + " (credentials)", retryAfter, null);
		}
		if (status.is4xxClientError()) {
			throw new Rejected(rejected(code, body));
		}
		throw new TransientFailure("unexpected status " + code, retryAfter, null);
	}

	private @Nullable String orderId(byte[] body) {
		try {
			JsonNode id = this.jsonMapper.readTree(body).get("id");
			if (id != null && (id.isString() || id.isNumber())) {
				return id.asString();
			}
		}
		catch (JacksonException ex) {
			// fall through: accepted without a readable id
		}
		log.warn("Orders API accepted the request but sent no order id");
		return null;
	}

	/** Only title, detail and field errors of the API's problem, without URLs or credentials. */
	private UpstreamRejectedException rejected(int status, byte[] body) {
		String title = null;
		String detail = null;
		List<UpstreamRejectedException.Violation> errors = new ArrayList<>();
		try {
			JsonNode problem = this.jsonMapper.readTree(body);
			if (problem != null && problem.isObject()) {
				title = safeText(problem.get("title"), MAX_TITLE);
				detail = safeText(problem.get("detail"), MAX_DETAIL);
				JsonNode list = problem.get("errors");
				if (list != null && list.isArray()) {
					for (JsonNode error : list) {
						String pointer = safeText(error.get("pointer"), MAX_TITLE);
						String text = safeText(error.get("detail"), MAX_TITLE);
						if (pointer != null && text != null && errors.size() < MAX_ERRORS) {
							errors.add(new UpstreamRejectedException.Violation(pointer, text));
						}
					}
				}
			}
		}
		catch (JacksonException ex) {
			// Not a problem document: pass on the status only.
		}
		return new UpstreamRejectedException(status, title, detail, errors);
	}

	private @Nullable String safeText(@Nullable JsonNode node, int maxLength) {
		if (node == null || !node.isString()) {
			return null;
		}
		String text = node.stringValue();
		text = text.replace(this.properties.token(), "[redacted]");
		text = URL.matcher(text).replaceAll("[url removed]");
		text = BEARER.matcher(text).replaceAll("[redacted]");
		text = text.replaceAll("\\p{Cntrl}", " ").strip();
		if (text.length() > maxLength) {
			text = text.substring(0, maxLength) + "…";
		}
		return text.isEmpty() ? null : text;
	}

	/** Retry-After as delta-seconds or HTTP-date; null if absent or unreadable. */
	@Nullable Duration retryAfter(@Nullable String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		String trimmed = value.trim();
		if (trimmed.chars().allMatch(Character::isDigit)) {
			try {
				return Duration.ofSeconds(Long.parseLong(trimmed));
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}
		try {
			Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ENGLISH))
				.toInstant();
			Duration until = Duration.between(this.clock.instant(), at);
			return until.isNegative() ? Duration.ZERO : until;
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/** Exponential backoff with jitter, but never shorter than the API's last Retry-After. */
	private BackOff honouringRetryAfter(AtomicReference<@Nullable Duration> retryAfterHint) {
		BackOff exponential = RetryPolicy.builder()
			.maxRetries(this.properties.maxRetries())
			.delay(this.properties.initialBackoff())
			.multiplier(2)
			.maxDelay(this.properties.maxBackoff())
			.jitter(this.properties.initialBackoff().dividedBy(2))
			.build()
			.getBackOff();
		return () -> {
			BackOffExecution execution = exponential.start();
			return () -> {
				long next = execution.nextBackOff();
				Duration retryAfter = retryAfterHint.getAndSet(null);
				if (next == BackOffExecution.STOP || retryAfter == null) {
					return next;
				}
				return Math.max(next, retryAfter.toMillis());
			};
		};
	}

	private static String describe(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	private static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

	/** Marks failures raised while classifying a response, with the metric outcome they stand for. */
	private abstract static class UpstreamFailure extends RuntimeException {

		UpstreamFailure(String message, @Nullable Throwable cause) {
			super(message, cause, false, false);
		}

		abstract String outcome();

	}

	/** Worth another attempt. */
	static final class TransientFailure extends UpstreamFailure {

		final @Nullable Duration retryAfter;

		TransientFailure(String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
			super(message, cause);
			this.retryAfter = retryAfter;
		}

		@Override
		String outcome() {
			return "transient";
		}

	}

	private static final class Conflict extends UpstreamFailure {

		Conflict(UpstreamConflictException cause) {
			super(cause.getMessage(), cause);
		}

		@Override
		String outcome() {
			return "conflict";
		}

	}

	private static final class UnknownOrder extends UpstreamFailure {

		UnknownOrder(UpstreamOrderUnknownException cause) {
			super(cause.getMessage(), cause);
		}

		@Override
		String outcome() {
			return "unknown_order";
		}

	}

	private static final class Rejected extends UpstreamFailure {

		Rejected(UpstreamRejectedException cause) {
			super(cause.getMessage(), cause);
		}

		@Override
		String outcome() {
			return "rejected";
		}

	}

}
