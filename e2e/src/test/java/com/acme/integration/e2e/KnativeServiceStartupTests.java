package com.acme.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The functions jar starts with exactly the configuration each Knative Service's container gets
 * from the rendered overlay, and serves that Service's functions only:
 * <ul>
 * <li>the environment is the ConfigMaps of {@code envFrom}, then the container's {@code env}
 * (which wins, as in Kubernetes), plus what Knative itself injects (PORT, K_SERVICE, ...);
 * nothing of the calling environment is inherited;</li>
 * <li>every item of the Secrets mounted at {@code /etc/secrets} becomes a file named by its
 * {@code path} in a temporary folder, with a fake value of the right syntax (the webhook secret
 * is {@code whsec_<base64>}); the app's {@code optional:configtree:} import reads that folder
 * through INTEGRATION_SECRETS_DIR, as it reads /etc/secrets/ in the pod;</li>
 * <li>the test changes only where it listens (SERVER_PORT, SERVER_ADDRESS: a free local port
 * instead of 8080) and applies the ConfigMap's JAVA_OPTS as JVM flags, as the image's
 * scripts/image/run-functions.sh does.</li>
 * </ul>
 * The apps are started with the {@value #STARTED_OVERLAY} overlay (two JVMs, started together);
 * every other overlay must give each Service the same variable names and the same secret files,
 * so that they differ from it by values only (URLs, log levels, JVM flags).
 * The upstream URLs are never called: no test here reaches the Orders API or the ERP.
 */
class KnativeServiceStartupTests {

	static final String STARTED_OVERLAY = "prod";

	private static final String WEBHOOK = "order-webhook";

	private static final String STATUS_SYNC = "order-status-sync";

	/** Where the app's spring.config.import reads secrets from in the pod (application.yaml). */
	private static final String SECRETS_MOUNT = "/etc/secrets";

	private static final E2eSettings settings = E2eSettings.fromSystemProperties();

	private static final Map<String, Container> containers = new LinkedHashMap<>();

	private static final Map<String, Process> processes = new LinkedHashMap<>();

	/** The free local port each app listens on instead of 8080. */
	private static final Map<String, Integer> ports = new LinkedHashMap<>();

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@BeforeAll
	static void startBothServicesWithTheirManifestsConfiguration(@TempDir Path secrets) throws Exception {
		E2eSettings.require(settings.functionsJar(), "build it first: ./mvnw -B -pl functions -am package -DskipTests");
		List<Map<String, Object>> documents = kustomize(STARTED_OVERLAY);
		for (String service : List.of(WEBHOOK, STATUS_SYNC)) {
			Container container = Container.of(documents, service);
			containers.put(service, container);
			processes.put(service, start(container, Files.createDirectories(secrets.resolve(service))));
		}
		for (String service : processes.keySet()) {
			awaitReady(service);
		}
	}

	@AfterAll
	static void stopServices() throws InterruptedException {
		for (Process process : processes.values()) {
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
		}
	}

	static Stream<String> otherOverlays() throws IOException {
		try (Stream<Path> dirs = Files.list(settings.repoRoot().resolve("knative/overlays"))) {
			List<String> names = dirs.filter(Files::isDirectory)
				.map(dir -> dir.getFileName().toString())
				.sorted()
				.toList();
			assertThat(names).contains("dev", "staging", STARTED_OVERLAY);
			return names.stream().filter(name -> !name.equals(STARTED_OVERLAY));
		}
	}

	@ParameterizedTest
	@MethodSource("otherOverlays")
	void otherOverlaysGiveEachServiceTheSameSettingsAsTheStartedOne(String overlay) throws Exception {
		List<Map<String, Object>> documents = kustomize(overlay);
		for (String service : containers.keySet()) {
			Container started = containers.get(service);
			Container other = Container.of(documents, service);
			assertThat(other.environment().keySet()).as("%s in %s: variable names", service, overlay)
				.containsExactlyInAnyOrderElementsOf(started.environment().keySet());
			assertThat(other.secretFiles()).as("%s in %s: secret files", service, overlay)
				.containsExactlyInAnyOrderElementsOf(started.secretFiles());
			assertThat(other.environment().get("SPRING_CLOUD_FUNCTION_DEFINITION")).as("%s in %s", service, overlay)
				.isEqualTo(started.environment().get("SPRING_CLOUD_FUNCTION_DEFINITION"));
		}
	}

	@Nested
	class OrderWebhook {

		@Test
		void isReady() throws Exception {
			assertThat(get(WEBHOOK, "/actuator/health/readiness").statusCode()).isEqualTo(200);
		}

		@Test
		void mapsAnOrderWithTheConfiguredCustomerKey() throws Exception {
			HttpResponse<String> answer = post(WEBHOOK, "/mapOrder", "application/json",
					Files.readAllBytes(settings.webhookSample("order-created.json")));

			assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
			String customerKey = containers.get(WEBHOOK).environment().get("INTEGRATION_CUSTOMER_KEY");
			assertThat(answer.body()).contains("\"externalRef\":\"" + customerKey + ":");
		}

		@Test
		void refusesAnUnsignedWebhookWithAProblem() throws Exception {
			HttpResponse<String> answer = post(WEBHOOK, "/orderWebhook", "application/json",
					Files.readAllBytes(settings.webhookSample("order-created.json")));

			assertThat(answer.statusCode()).as(answer.body()).isEqualTo(401);
			assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
					type -> assertThat(type).startsWith("application/problem+json"));
			assertThat(answer.body()).contains("https://problems.acme.example/invalid-signature");
		}

		@Test
		void doesNotServeOrderStatusSync() throws Exception {
			assertThat(post(WEBHOOK, "/orderStatusSync", "application/cloudevents+json", statusEvent()).statusCode())
				.isEqualTo(404);
		}

		@Test
		void startedWithoutTheErpCredentials() {
			Container container = containers.get(WEBHOOK);
			assertThat(container.secretFiles()).isNotEmpty()
				.noneMatch(file -> file.startsWith("spring.security.oauth2."));
			assertThat(container.environment().keySet()).noneMatch(name -> name.startsWith("SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION"));
			assertThat(processes.get(WEBHOOK).isAlive()).isTrue();
		}

	}

	@Nested
	class OrderStatusSync {

		@Test
		void isReady() throws Exception {
			assertThat(get(STATUS_SYNC, "/actuator/health/readiness").statusCode()).isEqualTo(200);
		}

		@Test
		void rejectsAnInvalidEventWith422() throws Exception {
			HttpResponse<String> answer = post(STATUS_SYNC, "/orderStatusSync", "application/cloudevents+json", statusEvent());

			assertThat(answer.statusCode()).as(answer.body()).isEqualTo(422);
			assertThat(answer.body()).contains("https://problems.acme.example/validation-failed");
		}

		@Test
		void doesNotServeTheWebhookFunctions() throws Exception {
			byte[] order = Files.readAllBytes(settings.webhookSample("order-created.json"));

			assertThat(post(STATUS_SYNC, "/orderWebhook", "application/json", order).statusCode()).isEqualTo(404);
			assertThat(post(STATUS_SYNC, "/mapOrder", "application/json", order).statusCode()).isEqualTo(404);
		}

		@Test
		void startedWithoutTheWebhookSecretsAndTheOrdersApiToken() {
			Container container = containers.get(STATUS_SYNC);
			assertThat(container.secretFiles()).isNotEmpty()
				.noneMatch(file -> file.startsWith("integration.webhook.") || file.startsWith("integration.orders-api."));
			assertThat(container.environment().keySet())
				.noneMatch(name -> name.startsWith("INTEGRATION_WEBHOOK_") || name.equals("INTEGRATION_ORDERSAPI_TOKEN"));
			assertThat(processes.get(STATUS_SYNC).isAlive()).isTrue();
		}

	}

	/** A status event with a status the ERP does not know: refused before any call. */
	private static byte[] statusEvent() throws IOException {
		return Files.readAllBytes(settings.repoRoot().resolve("functions/src/test/resources/samples/events/unknown-status.json"));
	}

	/** What one Service's container gets: its environment and the files under /etc/secrets. */
	record Container(String service, Map<String, String> environment, Set<String> secretFiles) {

		static Container of(List<Map<String, Object>> documents, String service) {
			Map<String, Object> knativeService = find(documents, "Service", service);
			Map<?, ?> pod = map(map(map(knativeService, "spec"), "template"), "spec");
			List<?> containerList = (List<?>) pod.get("containers");
			assertThat(containerList).as("%s: containers", service).hasSize(1);
			Map<?, ?> container = (Map<?, ?>) containerList.getFirst();

			// Kubernetes: envFrom first, then env, which overrides it.
			Map<String, String> environment = new LinkedHashMap<>();
			for (Object source : list(container, "envFrom")) {
				Map<?, ?> ref = map((Map<?, ?>) source, "configMapRef");
				if (ref.isEmpty()) {
					throw new AssertionError(service + ": envFrom " + source + " is not a configMapRef; teach this test to read it");
				}
				Map<?, ?> data = map(find(documents, "ConfigMap", (String) ref.get("name")), "data");
				String prefix = ref.get("prefix") == null ? "" : (String) ref.get("prefix");
				data.forEach((name, value) -> environment.put(prefix + name, String.valueOf(value)));
			}
			for (Object entry : list(container, "env")) {
				Map<?, ?> variable = (Map<?, ?>) entry;
				if (!variable.containsKey("value")) {
					throw new AssertionError(service + ": env " + variable.get("name") + " is not a plain value; teach this test to read it");
				}
				environment.put((String) variable.get("name"), String.valueOf(variable.get("value")));
			}

			Set<String> secretFiles = new TreeSet<>();
			for (Object mount : list(container, "volumeMounts")) {
				Map<?, ?> volumeMount = (Map<?, ?>) mount;
				if (!SECRETS_MOUNT.equals(String.valueOf(volumeMount.get("mountPath")).replaceAll("/+$", ""))) {
					continue;
				}
				Map<?, ?> volume = list(pod, "volumes").stream()
					.map(Map.class::cast)
					.filter(candidate -> volumeMount.get("name").equals(candidate.get("name")))
					.findFirst()
					.orElseThrow(() -> new AssertionError(service + ": no volume " + volumeMount.get("name")));
				List<Map<?, ?>> secrets = new ArrayList<>();
				if (volume.get("secret") != null) {
					secrets.add(map(volume, "secret"));
				}
				for (Object projected : list(map(volume, "projected"), "sources")) {
					Map<?, ?> secret = map((Map<?, ?>) projected, "secret");
					if (secret.isEmpty()) {
						throw new AssertionError(service + ": projected source " + projected + " is not a Secret; teach this test to read it");
					}
					secrets.add(secret);
				}
				for (Map<?, ?> secret : secrets) {
					// Without items the file names would be whatever keys the Secret has: not in git.
					assertThat(list(secret, "items")).as("%s: items of %s (file name = property name)", service, secret).isNotEmpty();
					for (Object item : list(secret, "items")) {
						secretFiles.add(String.valueOf(((Map<?, ?>) item).get("path")));
					}
				}
			}
			return new Container(service, environment, secretFiles);
		}

		/** A fake value of the syntax the app checks: a Standard Webhooks secret, or any text. */
		static String fakeSecret(String property) {
			if (property.startsWith("integration.webhook.") && property.endsWith("secrets")) {
				byte[] key = new byte[32];
				new SecureRandom().nextBytes(key);
				return "whsec_" + Base64.getEncoder().encodeToString(key);
			}
			return "fake-" + property.substring(property.lastIndexOf('.') + 1) + "-for-a-start-up-test";
		}

	}

	private static Process start(Container container, Path secretsDir) throws IOException {
		for (String file : container.secretFiles()) {
			Files.writeString(secretsDir.resolve(file), Container.fakeSecret(file), StandardCharsets.UTF_8);
		}
		Map<String, String> environment = new LinkedHashMap<>(container.environment());
		// What Knative injects into every user container.
		environment.put("PORT", "8080");
		environment.put("K_SERVICE", container.service());
		environment.put("K_CONFIGURATION", container.service());
		environment.put("K_REVISION", container.service() + "-00001");
		// The test's only changes: where the app listens and where the mounted secrets are.
		int port = Commands.freePort();
		ports.put(container.service(), port);
		environment.put("SERVER_PORT", String.valueOf(port));
		environment.put("SERVER_ADDRESS", "127.0.0.1");
		environment.put("INTEGRATION_SECRETS_DIR", secretsDir.toAbsolutePath() + "/");

		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		// run-functions.sh appends the ConfigMap's JAVA_OPTS to its JVM flags: an invalid flag
		// would stop the pod as surely as a missing property.
		String javaOpts = environment.getOrDefault("JAVA_OPTS", "").strip();
		if (!javaOpts.isEmpty()) {
			command.addAll(List.of(javaOpts.split("\\s+")));
		}
		command.addAll(List.of("-jar", settings.functionsJar().toString()));

		Path log = logFile(container.service());
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().clear();
		builder.environment().putAll(environment);
		return builder.start();
	}

	private static Path logFile(String service) throws IOException {
		Path logs = settings.workDir().resolve("logs");
		Files.createDirectories(logs);
		return logs.resolve("knative-" + service + ".log");
	}

	private static URI base(String service) {
		return URI.create("http://127.0.0.1:" + ports.get(service));
	}

	/** Waits until the app is ready; a start-up wait, not an assertion on timing. */
	private static void awaitReady(String service) throws IOException, InterruptedException {
		Process process = processes.get(service);
		URI readiness = base(service).resolve("/actuator/health/readiness");
		Instant giveUp = Instant.now().plus(Duration.ofMinutes(4));
		while (Instant.now().isBefore(giveUp)) {
			if (!process.isAlive()) {
				throw new AssertionError(service + " did not start with the " + STARTED_OVERLAY + " overlay's configuration (exit "
						+ process.exitValue() + "):\n" + tail(logFile(service)));
			}
			try {
				if (http.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(5)).build(),
						HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// not listening yet
			}
			Thread.sleep(250);
		}
		throw new AssertionError(service + " was not ready on " + readiness + ":\n" + tail(logFile(service)));
	}

	private static String tail(Path log) throws IOException {
		List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
	}

	private static HttpResponse<String> get(String service, String path) throws IOException, InterruptedException {
		return http.send(HttpRequest.newBuilder(base(service).resolve(path)).timeout(Duration.ofMinutes(1)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static HttpResponse<String> post(String service, String path, String contentType, byte[] body)
			throws IOException, InterruptedException {
		return http.send(HttpRequest.newBuilder(base(service).resolve(path))
			.timeout(Duration.ofMinutes(1))
			.header("Content-Type", contentType)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static List<Map<String, Object>> kustomize(String overlay) throws IOException, InterruptedException {
		return RenderedOverlay.render(settings, overlay, "knative-" + overlay + ".yaml",
				": the Services' configuration is not started");
	}

	private static Map<String, Object> find(List<Map<String, Object>> documents, String kind, String name) {
		return RenderedOverlay.find(documents, kind, name);
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
