package com.acme.integration.orders;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import org.springframework.http.MediaType;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;
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

	private static final String ACCEPT = MediaType.APPLICATION_JSON_VALUE + ", " + MediaType.APPLICATION_PROBLEM_JSON_VALUE;

	private static final List<String> OUTCOMES = List.of("accepted", "transient", "conflict", "rejected",
			"unknown_order", "io_error");

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

	/** Registered once: a lookup per call would cost more than the meter does. */
	private final Map<Operation, Map<String, Timer>> attemptTimers = new EnumMap<>(Operation.class);

	private final Map<Operation, Counter> retries = new EnumMap<>(Operation.class);

	OrdersApiClient(OrdersApiProperties properties, JsonMapper jsonMapper, MeterRegistry meters, Clock clock) {
		this.properties = properties;
		this.jsonMapper = jsonMapper;
		this.clock = clock;
		// Our API's answers are small and not asked to be compressed: no Accept-Encoding is sent.
		this.httpClient = HttpClient.newBuilder()
			.connectTimeout(properties.connectTimeout())
			.version(HttpClient.Version.HTTP_1_1)
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
		for (Operation operation : Operation.values()) {
			Map<String, Timer> timers = new HashMap<>();
			for (String outcome : OUTCOMES) {
				timers.put(outcome, Timer.builder("integration.orders_api.requests")
					.description("Latency of single Orders API attempts")
					.tag("operation", operation.tag)
					.tag("outcome", outcome)
					.register(meters));
			}
			this.attemptTimers.put(operation, Map.copyOf(timers));
			this.retries.put(operation, Counter.builder("integration.orders_api.retries")
				.description("Retries of Orders API calls after a transient failure")
				.tag("operation", operation.tag)
				.register(meters));
		}
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
					this.retries.get(operation).increment();
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
		long start = System.nanoTime();
		String outcome = "io_error";
		HttpRequest request = HttpRequest.newBuilder(uri)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + this.properties.token())
			.header(IDEMPOTENCY_KEY, idempotencyKey)
			.header(EVENT_TIME, eventTime)
			.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
			.header(HttpHeaders.ACCEPT, ACCEPT)
			.method(operation.method.name(), HttpRequest.BodyPublishers.ofByteArray(body))
			.build();
		CompletableFuture<HttpResponse<byte[]>> exchange = this.httpClient.sendAsync(request,
				HttpResponse.BodyHandlers.ofByteArray());
		try {
			// The whole exchange, answer body included, within the attempt's time.
			HttpResponse<byte[]> response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			Accepted accepted = classify(operation, externalRef, response.statusCode(), response.headers(),
					response.body());
			outcome = "accepted";
			return accepted;
		}
		catch (UpstreamFailure ex) {
			outcome = ex.outcome();
			throw ex;
		}
		catch (TimeoutException ex) {
			exchange.cancel(true);
			throw new TransientFailure("no complete answer within " + timeout, null, ex);
		}
		catch (ExecutionException ex) {
			throw new TransientFailure("I/O error: " + describe(ex), null, ex);
		}
		catch (InterruptedException ex) {
			exchange.cancel(true);
			Thread.currentThread().interrupt();
			throw new TransientFailure("interrupted", null, ex);
		}
		catch (RuntimeException ex) {
			// Whatever else fails while exchanging with our API leaves us not knowing whether the API has
			// the order: transient, like an I/O error; the idempotency key makes the retry safe.
			throw new TransientFailure("unexpected failure: " + describe(ex), null, ex);
		}
		finally {
			this.attemptTimers.get(operation).get(outcome).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		}
	}

	private Accepted classify(Operation operation, String externalRef, int code, java.net.http.HttpHeaders headers,
			byte[] body) {
		if (code >= 200 && code < 300) {
			return new Accepted(orderId(body),
					"true".equalsIgnoreCase(headers.firstValue(IDEMPOTENT_REPLAYED).orElse(null)));
		}
		if (code == 404 && operation != Operation.CREATE) {
			throw new UnknownOrder(
					new UpstreamOrderUnknownException(externalRef, this.properties.unknownOrderRetryAfter()));
		}
		Duration retryAfter = retryAfter(headers.firstValue(HttpHeaders.RETRY_AFTER).orElse(null));
		if (code == 409) {
			throw new Conflict(new UpstreamConflictException("Orders API has a request with this key in flight",
					retryAfter));
		}
		if (code == 429 || code == 408 || (code >= 500 && code < 600)) {
			throw new TransientFailure("status " + code, retryAfter, null);
		}
		if (code == 401 || code == 403) {
			log.error("Orders API refused our credentials (status {}): check integration.orders-api.token", code);
			throw new TransientFailure("status " + code + " (credentials)", retryAfter, null);
		}
		if (code >= 400 && code < 500) {
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
