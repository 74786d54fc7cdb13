package com.acme.integration.status;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.MimeType;

/**
 * Reads a status-changed CloudEvent from the HTTP request: binary mode (attributes in {@code ce-*} headers,
 * the data as the JSON body) or structured mode ({@code application/cloudevents+json}, the whole event as one
 * JSON document), per the CloudEvents 1.0 HTTP protocol binding and JSON event format. Every attribute is
 * held to the specification's rules, extensions included (the Broker passes on extensions we do not know;
 * they are accepted when well-formed), and the data to this event type's contract. A smoke-check event
 * ({@value #SMOKE_TYPE}, sent by the rollout through a candidate revision) is checked the same way and
 * carries no data. Plain code on purpose: the CloudEvents SDK's JSON format targets Jackson 2, this
 * application runs Jackson 3.
 *
 * <p>Every problem found is reported at once in an {@link InvalidEventException}.
 */
final class StatusEventParser {

	static final String EVENT_TYPE = "com.acme.orders.status-changed.v1";

	static final String SMOKE_TYPE = "com.acme.integration.smoke.v1";

	static final String SPEC_VERSION = "1.0";

	static final String STRUCTURED_MEDIA_TYPE = "application/cloudevents+json";

	private static final char REPLACEMENT_CHARACTER = '\uFFFD';

	private static final int MAX_ATTRIBUTE = 256;

	private static final int MAX_FIELD = 128;

	private static final Set<String> CONTEXT_ATTRIBUTES = Set.of("specversion", "id", "source", "type",
			"datacontenttype", "dataschema", "subject", "time");

	/** Extension attribute names: lower-case ASCII letters and digits (CloudEvents 1.0, naming conventions). */
	private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9]+");

	/** RFC 3339 date-time: seconds required, an optional fraction, Z or a +hh:mm / -hh:mm offset. */
	private static final Pattern RFC_3339 = Pattern
		.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})");

	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
		.build();

	/** The status change, or empty for a smoke-check event. */
	Optional<StatusChangedEvent> parse(byte[] body, Map<String, ?> headers) {
		String mediaType = mediaType(header(headers, "content-type"));
		if (STRUCTURED_MEDIA_TYPE.equals(mediaType)) {
			return structured(body);
		}
		if (headers.keySet().stream().anyMatch(name -> name.regionMatches(true, 0, "ce-", 0, 3))) {
			return binary(body, headers, mediaType);
		}
		throw new InvalidEventException(EventViolation.atHeader("content-type",
				"must be " + STRUCTURED_MEDIA_TYPE + " (structured mode), or the event attributes must come as "
						+ "ce-* headers (binary mode); batches (application/cloudevents-batch+json) are not taken"));
	}

	private Optional<StatusChangedEvent> structured(byte[] body) {
		JsonNode root = readJson(body, "#");
		if (!root.isObject()) {
			throw new InvalidEventException(EventViolation.atPointer("#", "must be a JSON object (a CloudEvent)"));
		}
		Violations v = new Violations();
		Attributes a = new Attributes(v.bodyString(root, "specversion", "#/specversion", MAX_ATTRIBUTE),
				v.bodyString(root, "id", "#/id", MAX_ATTRIBUTE), v.bodyString(root, "source", "#/source", MAX_ATTRIBUTE),
				v.bodyString(root, "type", "#/type", MAX_ATTRIBUTE),
				v.optionalAttribute(root, "subject"), v.optionalAttribute(root, "dataschema"),
				v.optionalAttribute(root, "time"), v.optionalAttribute(root, "datacontenttype"));
		a.check(v, true);
		for (Map.Entry<String, JsonNode> member : root.properties()) {
			String name = member.getKey();
			if (!CONTEXT_ATTRIBUTES.contains(name) && !name.equals("data") && !name.equals("data_base64")) {
				v.extension(name, member.getValue(), "#/" + name);
			}
		}
		if (a.datacontenttype() != null && isMediaType(a.datacontenttype()) && !isJson(mediaType(a.datacontenttype()))) {
			v.atPointer("#/datacontenttype", "must be application/json when present");
		}
		JsonNode data = root.get("data");
		boolean hasData = data != null && !data.isNull();
		if (root.has("data_base64")) {
			v.atPointer("#/data_base64", hasData ? "must not be set together with data"
					: "is not supported: the data must be a JSON object in data");
		}
		if (SMOKE_TYPE.equals(a.type())) {
			v.throwIfAny();
			return Optional.empty();
		}
		if (!hasData) {
			v.atPointer("#/data", "is required");
		}
		else if (!data.isObject()) {
			v.atPointer("#/data", "must be a JSON object");
		}
		StatusChangedEvent event = (hasData && data.isObject()) ? data(data, "#/data", a.id(), a.source(), v) : null;
		v.throwIfAny();
		return Optional.of(requireNonNull(event));
	}

	private Optional<StatusChangedEvent> binary(byte[] body, Map<String, ?> headers, @Nullable String mediaType) {
		Violations v = new Violations();
		Attributes a = new Attributes(v.header(headers, "ce-specversion"), v.header(headers, "ce-id"),
				v.header(headers, "ce-source"), v.header(headers, "ce-type"), header(headers, "ce-subject"),
				header(headers, "ce-dataschema"), header(headers, "ce-time"), mediaType);
		a.check(v, false);
		for (Map.Entry<String, ?> entry : headers.entrySet()) {
			String name = entry.getKey().toLowerCase(Locale.ROOT);
			if (name.startsWith("ce-") && !CONTEXT_ATTRIBUTES.contains(name.substring(3))) {
				if (!EXTENSION_NAME.matcher(name.substring(3)).matches()) {
					v.atHeader(name, "is no valid extension attribute name (lower-case letters and digits)");
				}
			}
		}
		if (SMOKE_TYPE.equals(a.type())) {
			v.throwIfAny();
			return Optional.empty();
		}
		if (mediaType != null && !isJson(mediaType)) {
			v.atHeader("content-type", "must be application/json: the data of this event type is a JSON object");
			v.throwIfAny();
		}
		JsonNode data = readJson(body, "#");
		if (!data.isObject()) {
			v.atPointer("#", "must be a JSON object (the event data)");
			v.throwIfAny();
		}
		StatusChangedEvent event = data(data, "#", a.id(), a.source(), v);
		v.throwIfAny();
		return Optional.of(event);
	}

	/** The context attributes of either mode, as strings; null where absent (or already reported). */
	private record Attributes(@Nullable String specversion, @Nullable String id, @Nullable String source,
			@Nullable String type, @Nullable String subject, @Nullable String dataschema, @Nullable String time,
			@Nullable String datacontenttype) {

		/** The CloudEvents rules for each attribute, reported where it sits in the request. */
		void check(Violations v, boolean structured) {
			Function<String, String> at = structured ? name -> "#/" + name : name -> "ce-" + name;
			BiConsumer<String, String> violation = structured ? v::atPointer : v::atHeader;
			if (this.specversion != null && !SPEC_VERSION.equals(this.specversion)) {
				violation.accept(at.apply("specversion"), "must be " + SPEC_VERSION);
			}
			if (this.source != null && !isUriReference(this.source)) {
				violation.accept(at.apply("source"), "must be a URI reference");
			}
			if (this.type != null && !EVENT_TYPE.equals(this.type) && !SMOKE_TYPE.equals(this.type)) {
				violation.accept(at.apply("type"), "must be " + EVENT_TYPE);
			}
			if (this.subject != null && this.subject.isEmpty()) {
				violation.accept(at.apply("subject"), "must not be empty when present");
			}
			if (this.dataschema != null && (this.dataschema.isEmpty() || !isUriReference(this.dataschema))) {
				violation.accept(at.apply("dataschema"), "must be a non-empty URI when present");
			}
			if (this.time != null && !isTimestamp(this.time)) {
				violation.accept(at.apply("time"),
						"must be an RFC 3339 date-time with seconds and offset, e.g. 2026-11-24T12:00:00Z");
			}
			if (structured && this.datacontenttype != null && !isMediaType(this.datacontenttype)) {
				violation.accept(at.apply("datacontenttype"), "must be a media type (RFC 2046) when present");
			}
		}

	}

	private static boolean isUriReference(String value) {
		try {
			new URI(value);
			return true;
		}
		catch (URISyntaxException ex) {
			return false;
		}
	}

	private static boolean isTimestamp(String value) {
		if (!RFC_3339.matcher(value).matches()) {
			return false;
		}
		try {
			OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
			return true;
		}
		catch (DateTimeParseException ex) {
			return false;
		}
	}

	private static boolean isMediaType(String value) {
		try {
			MimeType.valueOf(value);
			return !value.isBlank();
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	private static StatusChangedEvent data(JsonNode data, String at, @Nullable String id, @Nullable String source,
			Violations v) {
		String orderId = v.bodyString(data, "orderId", at + "/orderId", MAX_FIELD);
		String externalRef = v.bodyString(data, "externalRef", at + "/externalRef", MAX_FIELD);
		String status = v.bodyString(data, "status", at + "/status", MAX_FIELD);
		String trackingNumber = v.optionalBodyString(data, "trackingNumber", at + "/trackingNumber", MAX_FIELD);
		String carrier = v.optionalBodyString(data, "carrier", at + "/carrier", MAX_FIELD);
		String changedAt = v.bodyString(data, "changedAt", at + "/changedAt", MAX_FIELD);
		if (changedAt != null) {
			try {
				OffsetDateTime.parse(changedAt, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
			}
			catch (DateTimeParseException ex) {
				v.atPointer(at + "/changedAt", "must be an RFC 3339 date-time with offset, e.g. 2026-11-24T12:00:00Z");
			}
		}
		v.throwIfAny();
		return new StatusChangedEvent(requireNonNull(id), requireNonNull(source), at, requireNonNull(orderId),
				requireNonNull(externalRef), requireNonNull(status), trackingNumber, carrier,
				requireNonNull(changedAt));
	}

	private static JsonNode readJson(byte[] body, String pointer) {
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body))
				.toString();
		}
		catch (CharacterCodingException ex) {
			throw new InvalidEventException(EventViolation.atPointer(pointer, "must be UTF-8 encoded JSON"));
		}
		if (text.indexOf(REPLACEMENT_CHARACTER) >= 0) {
			// What the web layer, which decodes the body to text, makes of bytes that were not UTF-8; no status
			// event of ours carries that character.
			throw new InvalidEventException(EventViolation.atPointer(pointer, "must be UTF-8 encoded JSON"));
		}
		if (text.isBlank()) {
			throw new InvalidEventException(EventViolation.atPointer(pointer, "is required: the body is empty"));
		}
		try {
			return JSON.readTree(text);
		}
		catch (JacksonException ex) {
			// Jackson's message quotes the input; the problem names the place only.
			throw new InvalidEventException(EventViolation.atPointer(pointer,
					"must be one well-formed JSON document (no duplicate keys)"));
		}
	}

	/** Header names are case-insensitive in HTTP; message headers keep whatever case the client sent. */
	static @Nullable String header(Map<String, ?> headers, String name) {
		for (Map.Entry<String, ?> entry : headers.entrySet()) {
			if (entry.getKey().equalsIgnoreCase(name) && entry.getValue() != null) {
				Object value = entry.getValue();
				if (value instanceof List<?> list) {
					return list.isEmpty() ? null : String.valueOf(list.getFirst());
				}
				return String.valueOf(value);
			}
		}
		if ("content-type".equals(name)) {
			// spring-messaging's own name for it, should the web layer have translated it
			return header(headers, "contentType");
		}
		return null;
	}

	private static @Nullable String mediaType(@Nullable String contentType) {
		if (contentType == null || contentType.isBlank()) {
			return null;
		}
		int semicolon = contentType.indexOf(';');
		String type = (semicolon < 0) ? contentType : contentType.substring(0, semicolon);
		return type.strip().toLowerCase(Locale.ROOT);
	}

	private static boolean isJson(@Nullable String mediaType) {
		return "application/json".equals(mediaType);
	}

	private static <T> T requireNonNull(@Nullable T value) {
		if (value == null) {
			throw new IllegalStateException("validated value missing");
		}
		return value;
	}

	private static final class Violations {

		private final List<EventViolation> violations = new ArrayList<>();

		void atPointer(String pointer, String detail) {
			this.violations.add(EventViolation.atPointer(pointer, detail));
		}

		void atHeader(String header, String detail) {
			this.violations.add(EventViolation.atHeader(header, detail));
		}

		void throwIfAny() {
			if (!this.violations.isEmpty()) {
				throw new InvalidEventException(this.violations);
			}
		}

		@Nullable String header(Map<String, ?> headers, String name) {
			String value = StatusEventParser.header(headers, name);
			if (value == null || value.isBlank()) {
				atHeader(name, "is required");
				return null;
			}
			if (value.length() > MAX_ATTRIBUTE) {
				atHeader(name, "must be at most " + MAX_ATTRIBUTE + " characters");
				return null;
			}
			return value;
		}

		/** An optional context attribute: absent or null, else a non-null string (empty is judged later). */
		@Nullable String optionalAttribute(JsonNode object, String name) {
			JsonNode node = object.get(name);
			if (node == null || node.isNull()) {
				return null;
			}
			if (!node.isString()) {
				atPointer("#/" + name, "must be a string");
				return null;
			}
			if (node.stringValue().length() > MAX_ATTRIBUTE) {
				atPointer("#/" + name, "must be at most " + MAX_ATTRIBUTE + " characters");
				return null;
			}
			return node.stringValue();
		}

		/** An extension attribute: a valid name and a value of a CloudEvents type (null is absent). */
		void extension(String name, JsonNode value, String pointer) {
			if (!EXTENSION_NAME.matcher(name).matches()) {
				atPointer(pointer, "is no valid extension attribute name (lower-case letters and digits)");
			}
			else if (!(value.isNull() || value.isString() || value.isBoolean()
					|| (value.isIntegralNumber() && value.canConvertToInt()))) {
				atPointer(pointer, "must be a string, a boolean or an integer (-2147483648 to 2147483647)");
			}
		}

		@Nullable String bodyString(JsonNode object, String field, String pointer, int maxLength) {
			JsonNode node = object.get(field);
			if (node == null || node.isNull()) {
				atPointer(pointer, "is required");
				return null;
			}
			return string(node, pointer, maxLength, true);
		}

		@Nullable String optionalBodyString(JsonNode object, String field, String pointer, int maxLength) {
			JsonNode node = object.get(field);
			if (node == null || node.isNull()) {
				return null;
			}
			return string(node, pointer, maxLength, false);
		}

		private @Nullable String string(JsonNode node, String pointer, int maxLength, boolean required) {
			if (!node.isString()) {
				atPointer(pointer, "must be a string");
				return null;
			}
			String value = node.stringValue();
			if (value.isBlank()) {
				if (required) {
					atPointer(pointer, "must not be blank");
				}
				return null;
			}
			if (value.length() > maxLength) {
				atPointer(pointer, "must be at most " + maxLength + " characters");
				return null;
			}
			return value;
		}

	}

}
