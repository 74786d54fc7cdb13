package com.acme.integration.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import com.acme.integration.sandbox.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CloudEvents project's JSON-format conformance events (test resources cloudevents-conformance/, with the
 * substitution rule in its README.md) sent to orderStatusSync over HTTP, in structured and in binary mode:
 * each gets the answer expected.psv lists for it, and no case of the suite is left without one.
 */
class CloudEventsConformanceIntegrationTests extends IntegrationTestSupport {

	private static final String DIR = "/cloudevents-conformance/";

	/** Valid data of our type for another customer's order: acknowledged without a call to the ERP. */
	private static final String DATA = """
			{"orderId": "ord_conformance", "externalRef": "conformance:SO-1", "status": "ACCEPTED",
			 "changedAt": "2026-11-24T10:16:00Z"}""";

	record Case(String id, boolean batch, JsonNode event, String structured, String binary) {

		@Override
		public String toString() {
			return this.id;
		}

	}

	static Stream<Case> cases() {
		Map<String, String[]> expected = new LinkedHashMap<>();
		for (String line : text("expected.psv").lines().toList()) {
			if (!line.isBlank() && !line.startsWith("#")) {
				String[] columns = line.split("\\|");
				expected.put(columns[0].strip(), new String[] { columns[1].strip(), columns[2].strip() });
			}
		}
		List<Case> cases = new ArrayList<>();
		for (String file : List.of("valid-events.json", "invalid-events.json", "valid-batches.json",
				"invalid-batches.json")) {
			JsonNode suite = JSON.readTree(text(file));
			for (JsonNode test : suite.get("tests")) {
				String id = test.get("id").stringValue();
				String[] answer = expected.remove(id);
				assertThat(answer).as("expected.psv has no answer for the suite's case " + id).isNotNull();
				cases.add(new Case(id, test.has("batch"), test.has("batch") ? test.get("batch") : test.get("event"),
						answer[0], answer[1]));
			}
		}
		assertThat(expected.keySet()).as("expected.psv lists cases the suite does not have").isEmpty();
		return cases.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void answersTheStructuredForm(Case c) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri("/orderStatusSync"));
		if (c.batch()) {
			request.header("Content-Type", "application/cloudevents-batch+json")
				.POST(HttpRequest.BodyPublishers.ofString(c.event().toString()));
		}
		else {
			request.header("Content-Type", "application/cloudevents+json")
				.POST(HttpRequest.BodyPublishers.ofString(substituted((ObjectNode) c.event()).toString()));
		}

		assertAnswer(send(request.build()), c.structured());
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void answersTheBinaryForm(Case c) {
		if (c.binary().startsWith("-")) {
			return;
		}
		ObjectNode event = substituted((ObjectNode) c.event());
		HttpRequest.Builder request = HttpRequest.newBuilder(uri("/orderStatusSync"));
		String contentType = "application/json";
		for (Map.Entry<String, JsonNode> attribute : event.properties()) {
			String name = attribute.getKey();
			JsonNode value = attribute.getValue();
			if (name.equals("datacontenttype")) {
				contentType = value.isNull() ? contentType : value.stringValue();
			}
			else if (!name.equals("data") && !value.isNull()) {
				request.header("ce-" + name, value.isString() ? value.stringValue() : value.toString());
			}
		}
		JsonNode data = event.get("data");
		String body = (data == null || data.isNull()) ? "" : data.isString() ? data.stringValue() : data.toString();
		if (!contentType.isEmpty()) {
			request.header("Content-Type", contentType);
		}

		assertAnswer(send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build()), c.binary());
	}

	@Test
	void acceptsASmokeCheckEventWithoutData() {
		HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/orderStatusSync"))
			.header("Content-Type", "application/cloudevents+json")
			.POST(HttpRequest.BodyPublishers.ofString("""
					{"specversion": "1.0", "id": "smoke-1", "source": "urn:acme:rollout",
					 "type": "com.acme.integration.smoke.v1", "time": "2026-11-24T10:16:00Z"}"""))
			.build());

		assertThat(response.statusCode()).isEqualTo(202);
	}

	@Test
	void refusesASmokeCheckEventWithInvalidAttributes() {
		HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/orderStatusSync"))
			.header("Content-Type", "application/cloudevents+json")
			.POST(HttpRequest.BodyPublishers.ofString("""
					{"specversion": "1.0", "id": "smoke-2", "source": "urn:acme:rollout",
					 "type": "com.acme.integration.smoke.v1", "time": "soon"}"""))
			.build());

		assertAnswer(response, "422 #/time");
	}

	/** Our type and data where the case is not about them (README.md). */
	private static ObjectNode substituted(ObjectNode suiteEvent) {
		ObjectNode event = suiteEvent.deepCopy();
		JsonNode type = event.get("type");
		if (type != null && !type.stringValue("").isEmpty()) {
			event.put("type", StatusEventParser.EVENT_TYPE);
		}
		boolean aboutData = List.of("data", "data_base64", "datacontenttype").stream()
			.anyMatch(name -> event.has(name) && !event.get(name).isNull());
		if (!aboutData) {
			event.set("data", JSON.readTree(DATA));
		}
		return event;
	}

	private static void assertAnswer(HttpResponse<String> response, String expected) {
		String[] parts = expected.split(" ", 2);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(Integer.parseInt(parts[0]));
		if (parts.length == 2) {
			JsonNode errors = json(response).get("errors");
			assertThat(errors).as(response.body()).isNotNull();
			List<String> where = new ArrayList<>();
			errors.forEach(error -> where.add(error.has("pointer") ? error.get("pointer").stringValue()
					: error.get("header").stringValue()));
			assertThat(where).as(response.body()).contains(parts[1]);
		}
		if (response.statusCode() >= 400) {
			assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
					type -> assertThat(type).startsWith("application/problem+json"));
		}
	}

	private static String text(String name) {
		try (InputStream in = CloudEventsConformanceIntegrationTests.class.getResourceAsStream(DIR + name)) {
			if (in == null) {
				throw new IllegalArgumentException("no resource " + DIR + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
