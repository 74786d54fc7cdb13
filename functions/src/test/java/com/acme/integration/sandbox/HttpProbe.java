package com.acme.integration.sandbox;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Sends requests the way a webhook sender or Knative would, over HTTP/1.1 with exactly the given
 * header lines (repeated names stay repeated, names keep their case) and method.
 */
public final class HttpProbe {

	private static final HttpClient CLIENT = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final String baseUrl;

	public HttpProbe(String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public record Response(int status, Map<String, List<String>> headers, byte[] body) {

		public String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

		public String contentType() {
			return this.headers.getOrDefault("content-type", List.of("")).getFirst();
		}

	}

	/** One header line. */
	public record Header(String name, String value) {
	}

	public Response send(String method, String path, List<Header> headers, byte[] body, boolean chunked) {
		HttpRequest.BodyPublisher publisher = (body.length == 0 && !chunked) ? HttpRequest.BodyPublishers.noBody()
				: chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
						: HttpRequest.BodyPublishers.ofByteArray(body);
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.timeout(Duration.ofSeconds(60))
			.method(method, publisher);
		headers.forEach(header -> request.header(header.name(), header.value()));
		try {
			HttpResponse<byte[]> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
			return new Response(response.statusCode(), response.headers().map(), response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public Response post(String path, List<Header> headers, byte[] body) {
		return send("POST", path, headers, body, false);
	}

}
