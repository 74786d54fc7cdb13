package com.acme.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The front's manifests: what an environment's pods get (knative/base/front.yaml plus the
 * overlay's front-patch.yaml, rendered by kustomize) is exactly what the e2e suite and reviewers
 * render with scripts/render-nginx.sh from nginx/env/ENV.env, and the pods run as the base
 * demands (non-root, read-only root filesystem, writable conf.d and /tmp only).
 */
class FrontManifestTests {

	private final E2eSettings settings = E2eSettings.fromSystemProperties();

	static Stream<String> environments() throws IOException {
		return NginxConfigurationTests.environments();
	}

	@ParameterizedTest
	@MethodSource("environments")
	void overlayConfiguresTheFrontWithTheEnvironmentsValuesFile(String environment) throws Exception {
		List<Map<String, Object>> documents = kustomize(environment);

		Map<String, Object> configMap = find(documents, "ConfigMap", "front-env");
		assertThat(configMap.get("data")).isEqualTo(valuesFile(environment));
		assertThat(((Map<?, ?>) configMap.get("metadata")).get("namespace")).isEqualTo(environment);
	}

	@ParameterizedTest
	@MethodSource("environments")
	void frontRunsNonRootWithAReadOnlyRootFilesystem(String environment) throws Exception {
		Map<String, Object> deployment = find(kustomize(environment), "Deployment", "front");

		Map<?, ?> pod = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) deployment.get("spec")).get("template")).get("spec");
		assertThat(((Map<?, ?>) pod.get("securityContext")).get("runAsNonRoot")).isEqualTo(true);
		Map<?, ?> container = (Map<?, ?>) ((List<?>) pod.get("containers")).getFirst();
		Map<?, ?> security = (Map<?, ?>) container.get("securityContext");
		assertThat(security.get("readOnlyRootFilesystem")).isEqualTo(true);
		assertThat(security.get("allowPrivilegeEscalation")).isEqualTo(false);
		assertThat(((List<?>) container.get("volumeMounts")).stream().map(m -> String.valueOf(((Map<?, ?>) m).get("mountPath"))).toList())
			.containsExactlyInAnyOrder("/etc/nginx/conf.d", "/tmp");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void frontProxiesToTheClusterLocalAddressOfTheEnvironmentsOrderWebhook(String environment) throws Exception {
		Map<String, String> values = valuesFile(environment);

		assertThat(values.get("FRONT_ORDER_WEBHOOK_HOST")).isEqualTo("order-webhook." + environment + ".svc.cluster.local");
		assertThat(values.get("FRONT_UPSTREAM_PORT")).isEqualTo("80");
		assertThat(String.join(" ", values.values())).doesNotContain("kourier", "istio", "contour");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void onlyDevAdmitsMergeRequestPreviewTagsAndNoEnvironmentAdmitsTheRolloutsOwnTags(String environment) throws Exception {
		java.util.regex.Pattern tags = java.util.regex.Pattern.compile(valuesFile(environment).get("FRONT_REVIEW_TAG_PATTERN"));

		assertThat(tags.matcher("mr-42").find()).isEqualTo("dev".equals(environment));
		for (String rolloutTag : List.of("candidate", "current", "mr-42-candidate", "xmr-42")) {
			assertThat(tags.matcher(rolloutTag).find()).as(rolloutTag).isFalse();
		}
	}

	private List<Map<String, Object>> kustomize(String environment) throws IOException, InterruptedException {
		return RenderedOverlay.render(settings, environment, environment + ".yaml", "");
	}

	private static Map<String, Object> find(List<Map<String, Object>> documents, String kind, String name) {
		return RenderedOverlay.find(documents, kind, name);
	}

	private Map<String, String> valuesFile(String environment) throws IOException {
		Map<String, String> values = new LinkedHashMap<>();
		for (String line : Files.readAllLines(settings.repoRoot().resolve("nginx/env").resolve(environment + ".env"))) {
			if (line.isBlank() || line.stripLeading().startsWith("#")) {
				continue;
			}
			int equals = line.indexOf('=');
			values.put(line.substring(0, equals), line.substring(equals + 1));
		}
		return values;
	}

}
