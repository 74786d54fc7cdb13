package com.acme.integration.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.acme.integration.sandbox.HttpProbe.Header;
import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.Webhooks;

/**
 * Turns a {@link CorpusCase} into the exact bytes and header lines to send: loads or generates the
 * payload, makes the customer's order number unique to the case (one that sends an earlier case's
 * webhook id again keeps that case's), applies the transform, signs, applies the tamper, and expands
 * the header templates.
 */
final class CorpusRequest {

	static final String EVENT_TYPE = "com.acme.orders.status-changed.v1";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Pattern TEMPLATE = Pattern.compile("\\{([^}]*)\\}");

	private static final Pattern REUSED_ID = Pattern.compile("\\{id:([^}]+)\\}");

	private static final Pattern ORDER_NUMBER = Pattern.compile("(\"orderNumber\"\\s*:\\s*\")[^\"]*(\")");

	private static final Pattern EXTERNAL_REF = Pattern.compile("(\"externalRef\"\\s*:\\s*\"mueller:)SO-1(\")");

	final CorpusCase corpusCase;

	final String webhookId;

	final String orderNumber;

	final byte[] body;

	final List<Header> headers;

	final boolean chunked;

	private final Instant instant = Instant.now();

	private final long now = this.instant.getEpochSecond();

	private final Map<String, String> idsOfCases;

	private String timestamp;

	private byte[] signed;

	CorpusRequest(CorpusCase c, Map<String, String> idsOfCases, Map<String, String> orderNumbersOfCases) {
		this.corpusCase = c;
		this.idsOfCases = idsOfCases;
		// A case that sends an earlier case's webhook id again is that webhook again, about the same order.
		Matcher reused = REUSED_ID.matcher(c.webhookId());
		this.orderNumber = reused.matches() ? orderNumbersOfCases.get(reused.group(1))
				: "REL-" + c.id() + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
		this.chunked = c.payload().startsWith("gen:padded-chunked:");
		byte[] payload = payload(c.payload(), this.orderNumber);
		this.signed = transform(c.transform(), payload);
		this.timestamp = switch (c.webhookTimestamp()) {
			case "-" -> Long.toString(this.now);
			case "''" -> "";
			default -> expand(c.webhookTimestamp(), "");
		};
		String id = webhookIdFor(c);
		// A base64url MAC differs from the standard one only when it has '+' or '/': pick an id for which it does.
		while (c.webhookSignature().contains("{mac:url}") && !new Webhooks(IntegrationTestSupport.NEW_SECRET)
			.mac(id, this.timestamp, this.signed).matches(".*[+/].*")) {
			id = webhookIdFor(c);
		}
		this.webhookId = id;
		this.body = transform(c.tamper(), this.signed);
		List<Header> headers = new ArrayList<>();
		if (!"-".equals(c.contentType())) {
			headers.add(new Header("Content-Type", c.contentType()));
		}
		if (!"-".equals(c.webhookId())) {
			headers.add(new Header("webhook-id", "''".equals(c.webhookId()) ? "" : this.webhookId));
		}
		header(headers, "webhook-timestamp", c.webhookTimestamp());
		header(headers, "webhook-signature", c.webhookSignature());
		if (!"-".equals(c.headers())) {
			for (String line : c.headers().split(" && ")) {
				if (line.startsWith("@ce")) {
					headers.addAll(cloudEventHeaders(line));
					continue;
				}
				int colon = line.indexOf(':');
				headers.add(new Header(line.substring(0, colon).strip(), expand(line.substring(colon + 1).strip(), id)));
			}
		}
		this.headers = List.copyOf(headers);
	}

	/** The webhook id the case sends (and signs over): its webhook-id column, {id} being a fresh id. */
	private String webhookIdFor(CorpusCase c) {
		String fresh = "msg_rel_" + c.id() + "_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
		return switch (c.webhookId()) {
			case "-", "''" -> fresh;
			default -> expand(c.webhookId(), fresh);
		};
	}

	private void header(List<Header> headers, String name, String template) {
		if ("-".equals(template)) {
			return;
		}
		headers.add(new Header(name, "''".equals(template) ? "" : expand(template, this.webhookId)));
	}

	private List<Header> cloudEventHeaders(String macro) {
		String without = macro.startsWith("@ce-without:") ? macro.substring("@ce-without:".length()) : "";
		List<Header> ce = new ArrayList<>();
		for (Header header : List.of(new Header("ce-id", "evt-" + this.orderNumber),
				new Header("ce-specversion", "1.0"), new Header("ce-type", EVENT_TYPE),
				new Header("ce-source", "/orders"), new Header("ce-time", "2026-11-24T12:00:00Z"))) {
			if (!header.name().equals(without)) {
				ce.add(header);
			}
		}
		return ce;
	}

	/** Expands {...} templates; signatures are computed over this.timestamp and the signed bytes. */
	private String expand(String template, String id) {
		Matcher m = TEMPLATE.matcher(template);
		StringBuilder out = new StringBuilder();
		while (m.find()) {
			m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), id)));
		}
		m.appendTail(out);
		return out.toString();
	}

	private String value(String name, String id) {
		Webhooks signer = new Webhooks(IntegrationTestSupport.NEW_SECRET);
		if (name.equals("id")) {
			return id;
		}
		if (name.equals("long-suffix")) {
			return "-" + "x".repeat(300);
		}
		if (name.startsWith("id:")) {
			return this.idsOfCases.get(name.substring(3));
		}
		if (name.equals("now")) {
			return Long.toString(this.now);
		}
		if (name.startsWith("now+") || name.startsWith("now-")) {
			// Past offsets from the next whole second, future ones from this one: the server reads its clock
			// a little later, and the margin to the tolerance must not shrink below the second asked for.
			long offset = Long.parseLong(name.substring(4));
			long ceiling = (this.instant.getNano() > 0) ? this.now + 1 : this.now;
			return Long.toString(name.charAt(3) == '+' ? this.now + offset : ceiling - offset);
		}
		if (name.startsWith("junk")) {
			int n = name.startsWith("junk*") ? Integer.parseInt(name.substring(5)) : 1;
			List<String> junk = new ArrayList<>();
			for (int i = 0; i < n; i++) {
				junk.add("v1," + Base64.getEncoder().encodeToString(sha256(this.corpusCase.id() + "/" + i)));
			}
			return String.join(" ", junk);
		}
		String mac = signer.mac(id, this.timestamp, this.signed);
		return switch (name) {
			case "v1" -> "v1," + mac;
			case "v1:old" -> new Webhooks(IntegrationTestSupport.OLD_SECRET).sign(id, this.timestamp, this.signed);
			case "v1:foreign" -> new Webhooks(IntegrationTestSupport.FOREIGN_SECRET).sign(id, this.timestamp,
					this.signed);
			case "v1:other-id" -> signer.sign(id + "x", this.timestamp, this.signed);
			case "v1:other-ts" -> signer.sign(id, Long.toString(this.now - 7), this.signed);
			case "mac" -> mac;
			case "mac:unpadded" -> mac.replace("=", "");
			case "mac:url" -> mac.replace('+', '-').replace('/', '_');
			case "mac:truncated" -> mac.substring(0, 22);
			default -> throw new IllegalArgumentException("unknown template {" + name + "} in " + this.corpusCase.id());
		};
	}

	static byte[] payload(String payload, String orderNumber) {
		if (payload.startsWith("gen:")) {
			String[] parts = payload.split(":");
			int n = Integer.parseInt(parts[2]);
			return switch (parts[1]) {
				case "empty" -> new byte[0];
				case "deep-arrays" -> ("[".repeat(n) + "]".repeat(n)).getBytes(StandardCharsets.US_ASCII);
				case "deep-objects" -> ("{\"a\":".repeat(n) + "1" + "}".repeat(n)).getBytes(StandardCharsets.US_ASCII);
				case "padded", "padded-chunked" -> padded(payload("samples/webhooks/order-created.json", orderNumber), n);
				default -> throw new IllegalArgumentException(payload);
			};
		}
		String text = new String(resource(payload), StandardCharsets.UTF_8);
		text = ORDER_NUMBER.matcher(text).replaceAll("$1" + orderNumber + "$2");
		text = EXTERNAL_REF.matcher(text).replaceAll("$1" + orderNumber + "$2");
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] padded(byte[] json, int size) {
		byte[] out = new byte[size];
		java.util.Arrays.fill(out, (byte) ' ');
		System.arraycopy(json, 0, out, 0, json.length);
		return out;
	}

	static byte[] transform(String transform, byte[] body) {
		return switch (transform) {
			case "-" -> body;
			case "append-newline" -> concat(body, "\n".getBytes(StandardCharsets.US_ASCII));
			case "prepend-bom" -> concat(new byte[] { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF }, body);
			case "reserialise" -> {
				JsonNode tree = JSON.readTree(body);
				yield JSON.writeValueAsBytes(tree);
			}
			case "latin1" -> new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.ISO_8859_1);
			case "utf16" -> new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16);
			case "bad-utf8" -> badUtf8(body);
			case "trailing-garbage" -> concat(body, "xyz".getBytes(StandardCharsets.US_ASCII));
			case "concat" -> concat(body, body);
			case "flip-byte" -> {
				byte[] copy = body.clone();
				int at = new String(body, StandardCharsets.ISO_8859_1).indexOf("\"quantity\": 3") + 12;
				copy[at] = (byte) '4';
				yield copy;
			}
			case "truncate" -> java.util.Arrays.copyOf(body, body.length - 10);
			default -> throw new IllegalArgumentException("unknown transform " + transform);
		};
	}

	/** The first string value starts with an invalid UTF-8 sequence (a lead byte, then no continuation byte). */
	private static byte[] badUtf8(byte[] body) {
		String text = new String(body, StandardCharsets.UTF_8);
		int at = text.indexOf("\": \"") + 4;
		byte[] before = text.substring(0, at).getBytes(StandardCharsets.UTF_8);
		byte[] after = text.substring(at).getBytes(StandardCharsets.UTF_8);
		return concat(concat(before, new byte[] { (byte) 0xC3, (byte) 0x28 }), after);
	}

	private static byte[] concat(byte[] a, byte[] b) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
		out.writeBytes(a);
		out.writeBytes(b);
		return out.toByteArray();
	}

	static byte[] resource(String path) {
		try (InputStream in = CorpusRequest.class.getClassLoader().getResourceAsStream(path)) {
			if (in == null) {
				throw new IllegalStateException(path + " not on the test classpath");
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static byte[] sha256(String text) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
