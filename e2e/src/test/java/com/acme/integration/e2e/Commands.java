package com.acme.integration.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Running the project's scripts and nginx as child processes. */
final class Commands {

	private Commands() {
	}

	record Result(int exitCode, String output) {
	}

	/**
	 * Runs a command to completion with the given environment changes; output (stdout and stderr)
	 * is returned and kept in {@code log}. FRONT_* variables of the calling environment are removed
	 * first so that only the values a test chooses are seen.
	 */
	static Result run(List<String> command, Map<String, String> environment, Path log) throws IOException, InterruptedException {
		Files.createDirectories(log.getParent());
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().keySet().removeIf(name -> name.startsWith("FRONT_") || name.startsWith("NGINX_ENVSUBST_"));
		builder.environment().putAll(environment);
		Process process = builder.start();
		if (!process.waitFor(5, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			throw new IllegalStateException("Timed out: " + command);
		}
		return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

	/**
	 * The main nginx.conf around the rendered files, as the image's own nginx.conf does it: the
	 * rendered *.conf files are included in http {}. Everything nginx writes stays under prefix.
	 */
	static Path writeNginxConf(Path prefix, Path renderedDir) throws IOException {
		Files.createDirectories(prefix.resolve("logs"));
		String user = "root".equals(System.getProperty("user.name"))
				// As root nginx would switch its workers to "nobody", who may not read the work tree.
				? "user root root;\n" : "";
		String conf = user + """
				worker_processes 1;
				daemon off;
				error_log stderr notice;
				pid %1$s/nginx.pid;
				events { worker_connections 256; }
				http {
				    include /etc/nginx/mime.types;
				    default_type application/octet-stream;
				    sendfile on;
				    keepalive_timeout 65;
				    client_body_temp_path %1$s/client_temp;
				    proxy_temp_path %1$s/proxy_temp;
				    fastcgi_temp_path %1$s/fastcgi_temp;
				    uwsgi_temp_path %1$s/uwsgi_temp;
				    scgi_temp_path %1$s/scgi_temp;
				    include %2$s/*.conf;
				}
				""".formatted(prefix, renderedDir);
		Path file = prefix.resolve("nginx.conf");
		Files.writeString(file, conf);
		return file;
	}

}
