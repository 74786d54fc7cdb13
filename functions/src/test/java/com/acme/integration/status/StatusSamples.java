package com.acme.integration.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The CloudEvent samples under samples/events, in structured mode as stored or turned into binary mode. */
final class StatusSamples {

	static final JsonMapper JSON = JsonMapper.builder().build();

	private StatusSamples() {
	}

	/** The sample file as it is: a structured-mode CloudEvent. */
	static byte[] structured(String name) {
		try (InputStream in = StatusSamples.class.getResourceAsStream("/samples/events/" + name)) {
			if (in == null) {
				throw new IllegalArgumentException("no sample " + name);
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static Map<String, Object> structuredHeaders() {
		return Map.of("content-type", "application/cloudevents+json; charset=utf-8");
	}

	static ObjectNode event(String name) {
		return (ObjectNode) JSON.readTree(structured(name));
	}

	static byte[] bytes(JsonNode node) {
		return JSON.writeValueAsBytes(node);
	}

	/** Binary mode: the data as the body, every other attribute as a ce-* header. */
	static Binary binary(String name) {
		return binary(event(name));
	}

	static Binary binary(ObjectNode event) {
		Map<String, Object> headers = new LinkedHashMap<>();
		headers.put("Content-Type", "application/json");
		for (Map.Entry<String, JsonNode> attribute : event.properties()) {
			if (!attribute.getKey().equals("data") && !attribute.getKey().equals("datacontenttype")) {
				headers.put("ce-" + attribute.getKey(), attribute.getValue().stringValue());
			}
		}
		return new Binary(headers, bytes(event.get("data")));
	}

	record Binary(Map<String, Object> headers, byte[] body) {
	}

}
