package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.RevisionBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What deploy writes besides templates and traffic: the manifest's labels onto Services created before them
 * (the cluster-local label), and the revisions that read each hashed ConfigMap as its owners, so Kubernetes
 * removes an old ConfigMap once Knative has collected the last revision reading it. Black-box deploys against
 * fabric8's CRUD mock with {@link KnativeStandIn}.
 */
@EnableKubernetesMockClient(crud = true)
class DeployMetadataTests {
    static final String NS = "order-integration-test";

    KubernetesClient client;
    KnativeClient knative;
    KnativeStandIn standIn;
    TestHttpServer http;

    @TempDir
    Path dir;

    @BeforeEach
    void startStandIns() throws Exception {
        knative = client.adapt(KnativeClient.class);
        http = new TestHttpServer();
        standIn = new KnativeStandIn(client, NS, http.base());
    }

    @AfterEach
    void stopStandIns() throws Exception {
        standIn.close();
        http.close();
        assertThat(standIn.lastError()).as("stand-in errors").isNull();
    }

    /** A deploy of the whole manifest; the Services in it get no smoke traffic and no metric gates here. */
    Cli.Result deploy(String version, String manifest) {
        return Cli.run(client.getConfiguration(), Cli.ENV, "deploy", "-n", NS, "--image",
                "registry.example/functions:" + version, "--app-version", version, "--manifest", manifest,
                "--steps", "100", "--interval", "0s", "--poll-interval", "50ms", "--timeout", "30s",
                "--smoke-attempts", "1", "--skip-metric-gates");
    }

    String manifestReading(String configMap) throws IOException, URISyntaxException {
        String template = Files.readString(Path.of(getClass().getResource("/manifests/hashed-config.yaml").toURI()));
        Path file = dir.resolve(configMap + ".yaml");
        Files.writeString(file, template.replace("CONFIG_NAME", configMap));
        return file.toString();
    }

    /** The CRUD mock leaves uid unset, which a real API server never does: give the stand-in's revisions one. */
    void giveRevisionsUids() {
        for (Revision revision : knative.revisions().inNamespace(NS).list().getItems()) {
            if (revision.getMetadata().getUid() == null) {
                knative.revisions().inNamespace(NS).resource(new RevisionBuilder(revision).editMetadata()
                        .withUid(UUID.randomUUID().toString()).endMetadata().build()).update();
            }
        }
    }

    List<String> owners(String configMap) {
        ConfigMap current = client.configMaps().inNamespace(NS).withName(configMap).get();
        List<OwnerReference> owners = current.getMetadata().getOwnerReferences();
        assertThat(owners).allSatisfy(owner -> {
            assertThat(owner.getKind()).isEqualTo("Revision");
            assertThat(owner.getApiVersion()).isEqualTo("serving.knative.dev/v1");
            assertThat(owner.getUid()).isEqualTo(knative.revisions().inNamespace(NS).withName(owner.getName()).get()
                    .getMetadata().getUid());
            assertThat(owner.getBlockOwnerDeletion()).as("needs no rights on the owner").isNull();
        });
        return owners.stream().map(OwnerReference::getName).sorted().toList();
    }

    @Test
    void writesTheClusterLocalLabelOntoServicesCreatedWithoutItAndKeepsTheirOtherLabels() throws Exception {
        assertThat(deploy("v1", Cli.manifest()).exitCode()).isZero();
        knative.services().inNamespace(NS).withName("order-webhook").edit(s -> {
            s.getMetadata().getLabels().put("team", "integration");
            return s;
        });
        assertThat(knative.services().inNamespace(NS).withName("order-webhook").get().getMetadata().getLabels())
                .doesNotContainKey("networking.knative.dev/visibility");

        Cli.Result result = deploy("v2", manifestReading("order-integration-config-aaaa"));

        assertThat(result.exitCode()).as(result.err()).isZero();
        for (String service : List.of("order-webhook", "order-status-sync")) {
            assertThat(knative.services().inNamespace(NS).withName(service).get().getMetadata().getLabels())
                    .containsEntry("networking.knative.dev/visibility", "cluster-local")
                    .containsEntry("app.kubernetes.io/name", "functions");
        }
        assertThat(knative.services().inNamespace(NS).withName("order-webhook").get().getMetadata().getLabels())
                .containsEntry("team", "integration");
        assertThat(result.out()).contains("order-webhook: labels from the manifest written: "
                + "{networking.knative.dev/visibility=cluster-local}");
        assertThat(deploy("v3", manifestReading("order-integration-config-aaaa")).out())
                .doesNotContain("labels from the manifest written");
    }

    @Test
    void eachHashedConfigMapIsOwnedByTheRevisionsThatReadItAndOnlyByThem() throws Exception {
        String configA = "order-integration-config-aaaa";
        String configB = "order-integration-config-bbbb";
        assertThat(deploy("v1", manifestReading(configA)).exitCode()).isZero();
        giveRevisionsUids();
        assertThat(deploy("v1", manifestReading(configA)).exitCode()).isZero();
        assertThat(owners(configA)).containsExactly("order-status-sync-v1", "order-webhook-v1");

        // A config change: a new ConfigMap for the new revisions; the old one keeps its owners for a rollback.
        Cli.Result changed = deploy("v2", manifestReading(configB));
        giveRevisionsUids();
        assertThat(deploy("v2", manifestReading(configB)).exitCode()).isZero();
        assertThat(changed.exitCode()).as(changed.err()).isZero();
        assertThat(owners(configB)).containsExactly("order-status-sync-v2", "order-webhook-v2");
        assertThat(owners(configA)).containsExactly("order-status-sync-v1", "order-webhook-v1");

        // Back to the first configuration: applying it again replaces its metadata; the owners come back, plus v3.
        Cli.Result back = deploy("v3", manifestReading(configA));
        giveRevisionsUids();
        assertThat(back.exitCode()).as(back.err()).isZero();
        assertThat(deploy("v3", manifestReading(configA)).exitCode()).isZero();
        assertThat(owners(configA)).containsExactly("order-status-sync-v1", "order-status-sync-v3", "order-webhook-v1",
                "order-webhook-v3");
    }
}
