package com.acme.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.yaml.snakeyaml.Yaml;

/** A Knative overlay rendered by {@code kubectl kustomize}, as the pipeline renders it, parsed into documents. */
final class RenderedOverlay {

	private RenderedOverlay() {
	}

	/**
	 * Renders {@code knative/overlays/OVERLAY}; the output is kept under the work dir as {@code outputName}.
	 * Skips the test (with {@code whyNeeded}) where kubectl is not installed.
	 */
	static List<Map<String, Object>> render(E2eSettings settings, String overlay, String outputName, String whyNeeded)
			throws IOException, InterruptedException {
		return renderDirectory(settings, settings.repoRoot().resolve("knative/overlays").resolve(overlay), outputName, whyNeeded);
	}

	/** Renders any kustomization directory, as {@link #render} does an overlay. */
	static List<Map<String, Object>> renderDirectory(E2eSettings settings, Path kustomization, String outputName,
			String whyNeeded) throws IOException, InterruptedException {
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")) || Files.isExecutable(Path.of("/usr/local/bin/kubectl")),
				"kubectl (with its built-in kustomize) is not installed" + whyNeeded);
		Commands.Result result = Commands.run(List.of("kubectl", "kustomize", kustomization.toString()), Map.of(),
				settings.workDir().resolve("manifests/" + outputName));
		assertThat(result.exitCode()).as(result.output()).isZero();
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> documents = StreamSupport.stream(new Yaml().loadAll(result.output()).spliterator(), false)
			.filter(java.util.Objects::nonNull)
			.map(document -> (Map<String, Object>) document)
			.toList();
		return documents;
	}

	static Map<String, Object> find(List<Map<String, Object>> documents, String kind, String name) {
		return documents.stream()
			.filter(document -> kind.equals(document.get("kind")) && name.equals(((Map<?, ?>) document.get("metadata")).get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendered overlay"));
	}

}
