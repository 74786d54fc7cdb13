package com.acme.integration.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A sample order webhook (one of functions/src/test/resources/samples/webhooks/) as a template: each copy gets
 * its own order number, so that every webhook sent is a new order, and is written as compact JSON on one line.
 */
public final class SampleWebhook {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final JsonNode template;

	private SampleWebhook(JsonNode template) {
		if (!template.path("data").isObject()) {
			throw new IllegalArgumentException("a sample webhook has a data object");
		}
		this.template = template;
	}

	public static SampleWebhook read(Path file) {
		try {
			return new SampleWebhook(JSON.readTree(Files.readAllBytes(file)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The payload with {@code data.orderNumber} set, UTF-8. */
	public byte[] withOrderNumber(String orderNumber) {
		JsonNode copy = this.template.deepCopy();
		((ObjectNode) copy.get("data")).put("orderNumber", orderNumber);
		return JSON.writeValueAsBytes(copy);
	}

}
