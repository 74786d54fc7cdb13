package com.acme.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the rendered overlays promise beyond the front's own settings: configuration versioned
 * with each revision, one way in, availability in prod, dead letters kept in the cluster, and an
 * owner for every object (the deploy jobs or the bootstrap).
 */
class KnativeManifestTests {

	private static final E2eSettings settings = E2eSettings.fromSystemProperties();

	private static final List<String> SERVICES = List.of("order-webhook", "order-status-sync");

	static Stream<String> environments() throws IOException {
		return NginxConfigurationTests.environments();
	}

	private static List<Map<String, Object>> render(String environment) throws IOException, InterruptedException {
		return RenderedOverlay.render(settings, environment, "knative-manifest-" + environment + ".yaml", "");
	}

	/** Renders knative/overlays/dev with one more config value merged in, like an overlay that differs only there. */
	private static List<Map<String, Object>> devWith(String name, String configLine) throws IOException, InterruptedException {
		Path overlay = settings.workDir().resolve("overlays").resolve(name);
		Files.createDirectories(overlay);
		Path dev = settings.repoRoot().resolve("knative/overlays/dev");
		Files.writeString(overlay.resolve("kustomization.yaml"), """
				resources:
				  - %s
				configMapGenerator:
				  - name: order-integration-config
				    behavior: merge
				    literals:
				      - %s
				""".formatted(overlay.relativize(dev), configLine));
		return RenderedOverlay.renderDirectory(settings, overlay, "overlay-" + name + ".yaml", "");
	}

	@Test
	void aConfigChangeIsANewConfigMapNameInBothServicesAndTheOldOneStaysAsItWas() throws Exception {
		List<Map<String, Object>> warn = devWith("log-warn", "LOGGING_LEVEL_ROOT=WARN");
		List<Map<String, Object>> error = devWith("log-error", "LOGGING_LEVEL_ROOT=ERROR");
		List<Map<String, Object>> warnAgain = devWith("log-warn", "LOGGING_LEVEL_ROOT=WARN");

		String warnName = configMapName(warn);
		String errorName = configMapName(error);
		assertThat(warnName).startsWith("order-integration-config-").isNotEqualTo(errorName);
		assertThat(configMapName(warnAgain)).as("same content, same name").isEqualTo(warnName);
		for (String service : SERVICES) {
			assertThat(configMapRefs(warn, service)).containsExactly(warnName);
			assertThat(configMapRefs(error, service)).containsExactly(errorName);
		}
		Map<String, Object> warnData = data(warn, warnName);
		Map<String, Object> errorData = data(error, errorName);
		assertThat(warnData.keySet()).isEqualTo(errorData.keySet());
		assertThat(warnData.keySet().stream().filter(key -> !warnData.get(key).equals(errorData.get(key))))
			.containsExactly("LOGGING_LEVEL_ROOT");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void everyServiceReadsTheGeneratedConfigMapOfItsOwnOverlay(String environment) throws Exception {
		List<Map<String, Object>> documents = render(environment);
		String name = configMapName(documents);

		for (String service : SERVICES) {
			assertThat(configMapRefs(documents, service)).containsExactly(name);
		}
		assertThat(data(documents, name)).containsEntry("LOGGING_STRUCTURED_FORMAT_CONSOLE", "ecs");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void theFunctionsAreClusterLocalAndTheFrontIsTheOnlyPublicRoute(String environment) throws Exception {
		List<Map<String, Object>> documents = render(environment);

		for (String service : SERVICES) {
			assertThat(labels(RenderedOverlay.find(documents, "Service", service)))
				.containsEntry("networking.knative.dev/visibility", "cluster-local");
		}
		List<Map<String, Object>> ingresses = ofKind(documents, "Ingress");
		assertThat(ingresses).hasSize(1);
		assertThat(ofKind(documents, "HTTPRoute")).isEmpty();
		Map<?, ?> spec = map(ingresses.getFirst(), "spec");
		List<?> rules = (List<?>) spec.get("rules");
		Set<String> backends = rules.stream()
			.flatMap(rule -> list(map((Map<?, ?>) rule, "http"), "paths").stream())
			.map(path -> String.valueOf(map(map((Map<?, ?>) path, "backend"), "service").get("name")))
			.collect(Collectors.toSet());
		assertThat(backends).containsExactly("front");
		// Every host it serves is a TLS host, with the certificate from cert-manager.
		List<?> tls = (List<?>) spec.get("tls");
		assertThat(tls).hasSize(1);
		Set<Object> hosts = rules.stream().map(rule -> ((Map<?, ?>) rule).get("host")).collect(Collectors.toSet());
		assertThat(hosts).hasSize(1);
		assertThat(((Map<?, ?>) tls.getFirst()).get("hosts")).isEqualTo(List.copyOf(hosts));
		assertThat(((Map<?, ?>) tls.getFirst()).get("secretName")).isEqualTo("front-tls");
		assertThat(annotations(ingresses.getFirst())).containsKey("cert-manager.io/cluster-issuer");
		assertThat(hosts.iterator().next().toString()).doesNotContain("example.invalid")
			.isEqualTo("prod".equals(environment) ? "integration.acme.example" : "integration." + environment + ".acme.example");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void nothingReachesAPodOfTheNamespaceUnlessAPolicyAdmitsItFromALabelledNamespace(String environment) throws Exception {
		List<Map<String, Object>> policies = ofKind(render(environment), "NetworkPolicy");

		Map<?, ?> deny = map(policies.stream().filter(p -> "default-deny-ingress".equals(name(p))).findFirst().orElseThrow(), "spec");
		assertThat(map(deny, "podSelector")).isEmpty();
		assertThat(deny.get("policyTypes")).isEqualTo(List.of("Ingress"));
		assertThat(deny.get("ingress")).isNull();
		for (Map<String, Object> policy : policies) {
			for (Object rule : list(map(policy, "spec"), "ingress")) {
				List<?> from = list((Map<?, ?>) rule, "from");
				assertThat(from).as("%s admits everyone", name(policy)).isNotEmpty();
				assertThat(from).as(name(policy)).allSatisfy(peer -> assertThat(map(map((Map<?, ?>) peer, "namespaceSelector"), "matchLabels"))
					.isNotEmpty()
					.allSatisfy((key, value) -> assertThat(String.valueOf(key)).startsWith("networking.acme.example/")));
				assertThat(list((Map<?, ?>) rule, "ports")).as("%s: ports", name(policy)).isNotEmpty();
			}
		}
		// The functions' user container (8080) is open to the metrics scraper only, never to the data plane.
		Map<String, Object> dataPlane = policies.stream().filter(p -> "functions-from-knative-data-plane".equals(name(p)))
			.findFirst().orElseThrow();
		assertThat(list((Map<?, ?>) list(map(dataPlane, "spec"), "ingress").getFirst(), "ports"))
			.noneSatisfy(port -> assertThat(((Map<?, ?>) port).get("port")).isEqualTo(8080));
	}

	@ParameterizedTest
	@MethodSource("environments")
	void onlyProdKeepsTwoWebhookPodsApartAndAliveAndDeclaresTheFlagForIt(String environment) throws Exception {
		List<Map<String, Object>> documents = render(environment);
		Map<String, Object> webhook = RenderedOverlay.find(documents, "Service", "order-webhook");
		Map<?, ?> template = map(map(webhook, "spec"), "template");
		Object features = map(map(webhook, "metadata"), "annotations").get("rollout.acme.example/cluster-features");
		List<Map<String, Object>> budgets = ofKind(documents, "PodDisruptionBudget").stream()
			.filter(pdb -> !"front".equals(name(pdb)))
			.toList();

		if (!"prod".equals(environment)) {
			assertThat(budgets).isEmpty();
			assertThat(map(template, "spec").get("topologySpreadConstraints")).isNull();
			assertThat(features).isNull();
			return;
		}
		assertThat(budgets).hasSize(1);
		Map<?, ?> budget = map(budgets.getFirst(), "spec");
		assertThat(map(map(budget, "selector"), "matchLabels")).isEqualTo(Map.of("serving.knative.dev/service", "order-webhook"));
		int minScale = Integer.parseInt(String.valueOf(map(map(template, "metadata"), "annotations").get("autoscaling.knative.dev/min-scale")));
		assertThat(budget.get("minAvailable")).isEqualTo(1);
		assertThat((Integer) budget.get("minAvailable")).as("a drain must be able to evict one pod").isLessThan(minScale);
		List<?> spread = list(map(template, "spec"), "topologySpreadConstraints");
		assertThat(spread).singleElement().satisfies(constraint -> {
			assertThat(((Map<?, ?>) constraint).get("topologyKey")).isEqualTo("kubernetes.io/hostname");
			assertThat(((Map<?, ?>) constraint).get("whenUnsatisfiable")).isEqualTo("DoNotSchedule");
		});
		assertThat(features).isEqualTo("kubernetes.podspec-topologyspreadconstraints");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void deadLettersGoToAnAuthenticatedInClusterSinkNeverToAUrl(String environment) throws Exception {
		List<Map<String, Object>> documents = render(environment);
		Map<?, ?> delivery = map(map(RenderedOverlay.find(documents, "Trigger", "order-status-changed"), "spec"), "delivery");
		Map<?, ?> sink = map(delivery, "deadLetterSink");

		assertThat(sink.get("uri")).isNull();
		Map<?, ?> ref = map(sink, "ref");
		assertThat(ref.get("kind")).isEqualTo("KafkaSink");
		Map<?, ?> kafka = map(RenderedOverlay.find(documents, "KafkaSink", String.valueOf(ref.get("name"))), "spec");
		assertThat(kafka.get("topic")).isEqualTo("order-integration." + environment + ".status-dead-letters");
		assertThat(kafka.get("contentMode")).isEqualTo("structured");
		assertThat(map(map(map(kafka, "auth"), "secret"), "ref").get("name")).isEqualTo("kafka-dead-letters-auth");
		assertThat(String.valueOf(kafka.get("bootstrapServers"))).doesNotContain("example.invalid");
	}

	/**
	 * Every object has exactly one applier: objects labelled app.kubernetes.io/name=functions are
	 * the rollout CLI's Knative Services; ConfigMaps and Triggers are applied by rollout deploy too;
	 * objects labelled =front by scripts/ci/deploy.sh with kubectl, both as the deployer, whose Role
	 * must allow them; everything else by the administrator's bootstrap
	 * (scripts/bootstrap-namespace.sh, selector app.kubernetes.io/name notin (functions,front)).
	 */
	@ParameterizedTest
	@MethodSource("environments")
	void everyObjectIsAppliedByTheDeployJobsWithTheDeployersRightsOrByTheBootstrap(String environment) throws Exception {
		List<Map<String, Object>> documents = render(environment);
		Map<String, Set<String>> allowed = deployerRights(RenderedOverlay.find(documents, "Role", "deployer"));

		for (Map<String, Object> document : documents) {
			String kind = String.valueOf(document.get("kind"));
			String app = labels(document).get("app.kubernetes.io/name");
			String what = kind + "/" + name(document);
			if ("functions".equals(app)) {
				assertThat(kind).as(what).isEqualTo("Service");
				assertThat(String.valueOf(document.get("apiVersion"))).as(what).startsWith("serving.knative.dev/");
			}
			boolean byDeploy = "functions".equals(app) || "front".equals(app) || kind.equals("ConfigMap") || kind.equals("Trigger");
			if (byDeploy) {
				String resource = resourceOf(document);
				assertThat(allowed.getOrDefault(resource, Set.of())).as("%s is applied by a deploy job: the deployer needs it", what)
							.contains("get", "create", kind.equals("Trigger") ? "update" : "patch");
			}
		}
		assertThat(ofKind(documents, "PodMonitor")).allSatisfy(pm -> assertThat(labels(pm)).doesNotContainKey("app.kubernetes.io/name"));
		assertThat(allowed).doesNotContainKeys("networkpolicies", "ingresses", "podmonitors", "prometheusrules", "kafkasinks");
	}

	private static Map<String, Set<String>> deployerRights(Map<String, Object> role) {
		Map<String, Set<String>> rights = new java.util.HashMap<>();
		for (Object rule : list(role, "rules")) {
			Set<String> verbs = list((Map<?, ?>) rule, "verbs").stream().map(String::valueOf).collect(Collectors.toSet());
			for (Object resource : list((Map<?, ?>) rule, "resources")) {
				rights.computeIfAbsent(String.valueOf(resource), r -> new java.util.HashSet<>()).addAll(verbs);
			}
		}
		return rights;
	}

	private static String resourceOf(Map<String, Object> document) {
		return switch (String.valueOf(document.get("kind"))) {
			case "PodDisruptionBudget" -> "poddisruptionbudgets";
			case "ConfigMap" -> "configmaps";
			case "Deployment" -> "deployments";
			case "Service" -> "services";
			case "Trigger" -> "triggers";
			default -> String.valueOf(document.get("kind")).toLowerCase(java.util.Locale.ROOT) + "s";
		};
	}

	private static String configMapName(List<Map<String, Object>> documents) {
		List<String> names = ofKind(documents, "ConfigMap").stream().map(KnativeManifestTests::name)
			.filter(name -> name.startsWith("order-integration-config"))
			.toList();
		assertThat(names).hasSize(1);
		assertThat(names.getFirst()).matches("order-integration-config-[a-z0-9]{10}");
		return names.getFirst();
	}

	private static List<String> configMapRefs(List<Map<String, Object>> documents, String service) {
		Map<?, ?> container = (Map<?, ?>) list(map(map(map(RenderedOverlay.find(documents, "Service", service), "spec"), "template"), "spec"),
				"containers").getFirst();
		return list(container, "envFrom").stream().map(source -> String.valueOf(map((Map<?, ?>) source, "configMapRef").get("name"))).toList();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> data(List<Map<String, Object>> documents, String configMap) {
		return (Map<String, Object>) map(RenderedOverlay.find(documents, "ConfigMap", configMap), "data");
	}

	private static List<Map<String, Object>> ofKind(List<Map<String, Object>> documents, String kind) {
		return documents.stream().filter(document -> kind.equals(document.get("kind"))).toList();
	}

	private static String name(Map<String, Object> document) {
		return String.valueOf(map(document, "metadata").get("name"));
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String> labels(Map<String, Object> document) {
		return (Map<String, String>) map(map(document, "metadata"), "labels");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> annotations(Map<String, Object> document) {
		return (Map<String, Object>) map(map(document, "metadata"), "annotations");
	}

	private static Map<?, ?> map(Map<?, ?> parent, String key) {
		Object value = parent.get(key);
		return value == null ? Map.of() : (Map<?, ?>) value;
	}

	private static List<?> list(Map<?, ?> parent, String key) {
		Object value = parent.get(key);
		return value == null ? List.of() : (List<?>) value;
	}

}
