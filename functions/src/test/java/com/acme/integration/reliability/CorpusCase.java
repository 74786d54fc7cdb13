package com.acme.integration.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One line of corpus/cases.psv; the column meanings are documented in the file's header. */
record CorpusCase(String id, String function, String method, String contentType, String payload, String transform,
		String tamper, String webhookId, String webhookTimestamp, String webhookSignature, String headers,
		int status, String expect) {

	static final String TABLE = "corpus/cases.psv";

	static List<CorpusCase> load() {
		List<CorpusCase> cases = new ArrayList<>();
		try (InputStream in = CorpusCase.class.getClassLoader().getResourceAsStream(TABLE)) {
			if (in == null) {
				throw new IllegalStateException(TABLE + " not on the test classpath");
			}
			String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			for (String line : text.split("\n")) {
				if (line.isBlank() || line.startsWith("#")) {
					continue;
				}
				String[] cells = Arrays.stream(line.split("\\|", -1)).map(String::strip).toArray(String[]::new);
				if (cells.length != 13) {
					throw new IllegalStateException("expected 13 columns in: " + line);
				}
				cases.add(new CorpusCase(cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6],
						cells[7], cells[8], cells[9], cells[10], Integer.parseInt(cells[11]), cells[12]));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return cases;
	}

	@Override
	public String toString() {
		return this.id + " " + this.function + " " + this.method + " " + describe() + " -> " + this.status + " "
				+ this.expect;
	}

	private String describe() {
		List<String> parts = new ArrayList<>();
		parts.add(this.payload.replace("samples/webhooks/", "").replace("corpus/payloads/", ""));
		if (!"-".equals(this.transform)) {
			parts.add("signed " + this.transform);
		}
		if (!"-".equals(this.tamper)) {
			parts.add("then " + this.tamper);
		}
		if (!"-".equals(this.contentType) && !this.contentType.startsWith("application/json")) {
			parts.add(this.contentType);
		}
		if (this.function.equals("orderWebhook")) {
			parts.add("id=" + shorten(this.webhookId) + " ts=" + shorten(this.webhookTimestamp) + " sig="
					+ shorten(this.webhookSignature));
		}
		if (!"-".equals(this.headers)) {
			parts.add("+ " + shorten(this.headers));
		}
		return String.join(", ", parts);
	}

	private static String shorten(String value) {
		return (value.length() > 60) ? value.substring(0, 57) + "..." : value;
	}

}
