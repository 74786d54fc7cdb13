package com.acme.integration.status;

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

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a status-changed CloudEvent from the raw HTTP request: binary mode (attributes in {@code ce-*} headers,
 * the data as the JSON body) or structured mode ({@code application/cloudevents+json}, the whole event as one
 * JSON document), per the CloudEvents 1.0 HTTP protocol binding. Plain code on purpose: the CloudEvents SDK's
 * JSON format targets Jackson 2, this application runs Jackson 3, and the checks here are few.
 *
 * <p>Every problem found is reported at once in an {@link InvalidEventException}.
 */
final class StatusEventParser {

	static final String EVENT_TYPE = "com.acme.orders.status-changed.v1";

	static final String SPEC_VERSION = "1.0";

	static final String STRUCTURED_MEDIA_TYPE = "application/cloudevents+json";

	private static final char REPLACEMENT_CHARACTER = '\uFFFD';

	private static final int MAX_ATTRIBUTE = 256;

	private static final int MAX_FIELD = 128;

	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
		.build();

	StatusChangedEvent parse(byte[] body, Map<String, ?> headers) {
		String mediaType = mediaType(header(headers, "content-type"));
		if (STRUCTURED_MEDIA_TYPE.equals(mediaType)) {
			return structured(body);
		}
		if (header(headers, "ce-specversion") != null) {
			return binary(body, headers, mediaType);
		}
		throw new InvalidEventException(EventViolation.atHeader("content-type",
				"must be " + STRUCTURED_MEDIA_TYPE + " (structured mode), or the event attributes must come as "
						+ "ce-* headers (binary mode)"));
	}

	private StatusChangedEvent structured(byte[] body) {
		JsonNode root = readJson(body, "#");
		if (!root.isObject()) {
			throw new InvalidEventException(EventViolation.atPointer("#", "must be a JSON object (a CloudEvent)"));
		}
		Violations v = new Violations();
		String specVersion = v.bodyString(root, "specversion", "#/specversion", MAX_ATTRIBUTE);
		if (specVersion != null && !SPEC_VERSION.equals(specVersion)) {
			v.atPointer("#/specversion", "must be " + SPEC_VERSION);
		}
		String id = v.bodyString(root, "id", "#/id", MAX_ATTRIBUTE);
		String source = v.bodyString(root, "source", "#/source", MAX_ATTRIBUTE);
		String type = v.bodyString(root, "type", "#/type", MAX_ATTRIBUTE);
		if (type != null && !EVENT_TYPE.equals(type)) {
			v.atPointer("#/type", "must be " + EVENT_TYPE);
		}
		JsonNode dataContentType = root.get("datacontenttype");
		if (dataContentType != null && !dataContentType.isNull()
				&& !(dataContentType.isString() && isJson(mediaType(dataContentType.stringValue())))) {
			v.atPointer("#/datacontenttype", "must be application/json when present");
		}
		if (root.has("data_base64")) {
			v.atPointer("#/data_base64", "is not supported: the data must be a JSON object in data");
		}
		JsonNode data = root.get("data");
		if (data == null || data.isNull()) {
			v.atPointer("#/data", "is required");
		}
		else if (!data.isObject()) {
			v.atPointer("#/data", "must be a JSON object");
		}
		StatusChangedEvent event = (data != null && data.isObject()) ? data(data, "#/data", id, source, v) : null;
		v.throwIfAny();
		return requireNonNull(event);
	}

	private StatusChangedEvent binary(byte[] body, Map<String, ?> headers, @Nullable String mediaType) {
		Violations v = new Violations();
		String specVersion = v.header(headers, "ce-specversion");
		if (specVersion != null && !SPEC_VERSION.equals(specVersion)) {
			v.atHeader("ce-specversion", "must be " + SPEC_VERSION);
		}
		String id = v.header(headers, "ce-id");
		String source = v.header(headers, "ce-source");
		String type = v.header(headers, "ce-type");
		if (type != null && !EVENT_TYPE.equals(type)) {
			v.atHeader("ce-type", "must be " + EVENT_TYPE);
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
		StatusChangedEvent event = data(data, "#", id, source, v);
		v.throwIfAny();
		return event;
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
