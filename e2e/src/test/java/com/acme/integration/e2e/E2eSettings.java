package com.acme.integration.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the real parts the suite drives; set by the e2e pom (overridable with -De2e.*=...). */
record E2eSettings(Path repoRoot, Path workDir, Path functionsJar, Path nginx, Path chromium, Path chromedriver) {

	static E2eSettings fromSystemProperties() {
		return new E2eSettings(path("e2e.repoRoot"), path("e2e.workDir"), path("e2e.functionsJar"),
				path("e2e.nginx"), path("e2e.chromium"), path("e2e.chromedriver"));
	}

	private static Path path(String property) {
		String value = System.getProperty(property);
		if (value == null || value.isBlank()) {
			throw new IllegalStateException("System property " + property + " is not set (run through ./mvnw -Pe2e, see scripts/e2e.sh)");
		}
		return Path.of(value).toAbsolutePath().normalize();
	}

	static Path require(Path file, String hint) {
		if (!Files.exists(file)) {
			throw new IllegalStateException(file + " is missing: " + hint);
		}
		return file;
	}

	Path renderScript() {
		return repoRoot.resolve("scripts/render-nginx.sh");
	}

	Path uiBuildScript() {
		return repoRoot.resolve("nginx/ui/build.sh");
	}

	Path webhookSample(String name) {
		return repoRoot.resolve("functions/src/test/resources/samples/webhooks").resolve(name);
	}

}
