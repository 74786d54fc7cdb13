package com.acme.rollout;

import io.fabric8.knative.eventing.v1.Trigger;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.Role;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Renders every overlay with `kubectl kustomize`, validates it with the CLI and checks what must hold. */
class OverlayManifestTests {
    static final Path OVERLAYS = Path.of("..", "overlays").toAbsolutePath().normalize();
    static final Map<String, String> RENDERED = new HashMap<>();
    static final Map<String, List<HasMetadata>> PARSED = new HashMap<>();

    @BeforeAll
    static void render() throws Exception {
        // Skipped without kubectl, failed when CI=true (.ci/run installs it).
        RequiredTool.assumeInstalled("kubectl", "version", "--client");
        for (String env : List.of("dev", "staging", "prod")) {
            Process process = new ProcessBuilder("kubectl", "kustomize", OVERLAYS.resolve(env).toString())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as("kubectl kustomize %s: %s", env, output).isZero();
            RENDERED.put(env, output);
            PARSED.put(env, Manifest.parse(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)))
                    .documents().stream().map(d -> (HasMetadata) d.typed()).toList());
        }
    }

    static List<HasMetadata> resources(String env) {
        return PARSED.get(env);
    }

    static <T extends HasMetadata> T find(String env, Class<T> type, String name) throws IOException {
        return resources(env).stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    /** The generated ConfigMap order-integration-config-HASH of an overlay. */
    static ConfigMap config(String env) {
        return resources(env).stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
                .filter(r -> r.getMetadata().getName().startsWith("order-integration-config-")).findFirst().orElseThrow();
    }

    static Map<String, String> scaling(String env, String service) throws IOException {
        return find(env, Service.class, service).getSpec().getTemplate().getMetadata().getAnnotations();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void overlayPassesTheCliValidation(String env) throws IOException {
        // As an operator runs it: `kubectl kustomize knative/overlays/ENV | rollout validate -f -`, no --feature.
        ValidateCommandTests.Result result = ValidateCommandTests.validate(RENDERED.get(env));

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("(2 Knative Services)");
        if (env.equals("prod")) {
            assertThat(result.out()).contains("cluster prerequisites (config-features in knative-serving): "
                    + "kubernetes.podspec-topologyspreadconstraints");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void everyContainerIsHardenedAndProbed(String env) throws IOException {
        for (String name : List.of("order-webhook", "order-status-sync")) {
            Service service = find(env, Service.class, name);
            var spec = service.getSpec().getTemplate().getSpec();
            Container container = spec.getContainers().getFirst();
            var security = container.getSecurityContext();
            assertThat(security.getRunAsNonRoot()).isTrue();
            assertThat(security.getRunAsUser()).isEqualTo(10001L);
            assertThat(security.getReadOnlyRootFilesystem()).isTrue();
            assertThat(security.getAllowPrivilegeEscalation()).isFalse();
            assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            assertThat(spec.getSecurityContext()).as("no pod-level securityContext").isNull();
            assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
            assertThat(spec.getVolumes()).anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
            assertThat(container.getPorts().getFirst().getContainerPort()).isEqualTo(8080);
            assertThat(container.getImage()).isEqualTo("functions");
            assertThat(container.getResources().getLimits()).containsKey("memory");
            assertThat(spec.getServiceAccountName()).isEqualTo("functions");
        }
        assertThat(find(env, Service.class, "order-webhook").getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getEnv()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo("orderWebhook;mapOrder"));
        assertThat(find(env, Service.class, "order-status-sync").getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getEnv()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo("orderStatusSync"));
        assertThat(find(env, ServiceAccount.class, "functions").getAutomountServiceAccountToken()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void everythingLandsInTheEnvironmentsNamespace(String env) throws IOException {
        assertThat(resources(env)).filteredOn(r -> !r.getKind().equals("Namespace"))
                .allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo(env));
    }

    @Test
    void devAndStagingScaleToZeroAndProdKeepsTheWebhookWarm() throws IOException {
        for (String env : List.of("dev", "staging")) {
            assertThat(scaling(env, "order-webhook")).containsEntry("autoscaling.knative.dev/min-scale", "0");
            assertThat(scaling(env, "order-status-sync")).containsEntry("autoscaling.knative.dev/min-scale", "0");
        }
        assertThat(scaling("prod", "order-webhook")).containsEntry("autoscaling.knative.dev/min-scale", "2")
                .containsEntry("autoscaling.knative.dev/initial-scale", "2");
        assertThat(scaling("prod", "order-status-sync")).containsEntry("autoscaling.knative.dev/min-scale", "0");
        for (String env : List.of("dev", "staging", "prod")) {
            assertThat(scaling(env, "order-webhook")).containsKeys("autoscaling.knative.dev/max-scale",
                    "autoscaling.knative.dev/target", "autoscaling.knative.dev/initial-scale",
                    "autoscaling.knative.dev/scale-to-zero-pod-retention-period");
        }
    }

    @Test
    void environmentsDifferInResourcesUpstreamsAndLogLevel() throws IOException {
        assertThat(memoryLimit("dev")).isEqualTo("512Mi");
        assertThat(memoryLimit("staging")).isEqualTo("768Mi");
        assertThat(memoryLimit("prod")).isEqualTo("1Gi");
        assertThat(config("dev").getData())
                .containsEntry("LOGGING_LEVEL_COM_ACME_INTEGRATION", "DEBUG")
                .containsEntry("INTEGRATION_ORDERSAPI_BASEURL", "https://orders-api.dev.acme.example");
        assertThat(config("prod").getData())
                .containsEntry("LOGGING_LEVEL_COM_ACME_INTEGRATION", "INFO")
                .containsEntry("INTEGRATION_ORDERSAPI_BASEURL", "https://orders-api.acme.example")
                .containsEntry("INTEGRATION_ERP_BASEURL", "https://erp.mueller.example")
                .containsKeys("INTEGRATION_CUSTOMER_KEY", "INTEGRATION_ORDERSAPI_DEADLINE",
                        "SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI", "JAVA_OPTS");
    }

    @Test
    void triggerRetriesWithBackoffAndDeadLettersToTheEnvironmentsKafkaTopic() throws IOException {
        for (String env : List.of("dev", "staging", "prod")) {
            Trigger trigger = find(env, Trigger.class, "order-status-changed");
            assertThat(trigger.getSpec().getFilter().getAttributes())
                    .containsEntry("type", "com.acme.orders.status-changed.v1");
            assertThat(trigger.getSpec().getSubscriber().getRef().getName()).isEqualTo("order-status-sync");
            assertThat(trigger.getSpec().getDelivery().getBackoffPolicy()).isEqualTo("exponential");
            assertThat(trigger.getSpec().getDelivery().getRetry()).isPositive();
            var deadLetters = trigger.getSpec().getDelivery().getDeadLetterSink();
            assertThat(deadLetters.getUri()).as("no dead letter leaves the cluster for a URL").isNull();
            assertThat(deadLetters.getRef().getKind()).isEqualTo("KafkaSink");
            var sink = find(env, io.fabric8.knative.eventing.v1alpha1.KafkaSink.class, deadLetters.getRef().getName());
            assertThat(sink.getSpec().getTopic()).isEqualTo("order-integration." + env + ".status-dead-letters");
            assertThat(sink.getSpec().getAuth().getSecret().getRef().getName()).isEqualTo("kafka-dead-letters-auth");
        }
    }

    @Test
    void deployerRoleCoversExactlyWhatTheCliCalls() throws IOException {
        Role role = find("prod", Role.class, "deployer");
        assertThat(role.getRules()).allSatisfy(rule -> assertThat(rule.getVerbs())
                .doesNotContain("*", "delete", "deletecollection", "escalate", "bind", "impersonate"));
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("services");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "create", "patch");
        });
        assertThat(role.getRules()).noneSatisfy(rule -> assertThat(rule.getResources()).contains("secrets"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void everyFunctionsServiceGetsSmokeTrafficAndARequestFloor(String env) {
        List<io.fabric8.knative.serving.v1.Service> services = resources(env).stream()
                .filter(io.fabric8.knative.serving.v1.Service.class::isInstance)
                .map(io.fabric8.knative.serving.v1.Service.class::cast).toList();
        assertThat(services).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("order-webhook", "order-status-sync");
        assertThat(services).allSatisfy(s -> assertThat(ServiceSettings.of(s).smoke()).as(s.getMetadata().getName())
                .isNotEqualTo(SmokeCheck.NONE));
        assertThat(services).extracting(s -> ServiceSettings.of(s).smoke())
                .containsExactlyInAnyOrder(SmokeCheck.WEBHOOK_PING, SmokeCheck.STATUS_EVENT);
    }

    private static String memoryLimit(String env) throws IOException {
        return find(env, Service.class, "order-webhook").getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getResources().getLimits().get("memory").toString();
    }

}
