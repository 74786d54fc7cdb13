package com.acme.rollout;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** validate: one test per admission rule, each on an otherwise valid Service. */
class ValidateCommandTests {

    /** A valid Service; {@code spec} is appended under spec: (two-space indented YAML). */
    static String service(String spec) {
        return """
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata:
                  name: order-webhook
                spec:
                  template:
                    metadata:
                      name: order-webhook-v1
                      annotations:
                        autoscaling.knative.dev/min-scale: "1"
                        autoscaling.knative.dev/max-scale: "3"
                    spec:
                      containers:
                        - image: functions
                """ + spec;
    }

    static final String VALID_TRAFFIC = """
              traffic:
                - revisionName: order-webhook-v1
                  percent: 100
                  tag: current
                - revisionName: order-webhook-v0
                  percent: 0
                  tag: previous
            """;

    record Result(int exitCode, String out, String err) {
    }

    static Result validate(String yaml, String... more) {
        ValidateCommand command = new ValidateCommand();
        command.stdin = new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8));
        CommandLine cli = new CommandLine(command);
        cli.setExecutionExceptionHandler(Rollout.commandLine(new Rollout()).getExecutionExceptionHandler());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] args = new String[more.length + 2];
        args[0] = "-f";
        args[1] = "-";
        System.arraycopy(more, 0, args, 2, more.length);
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static void assertInvalid(String yaml, String expected) {
        Result result = validate(yaml);
        assertThat(result.exitCode()).as(result.out()).isEqualTo(ExitCode.INVALID_MANIFEST);
        assertThat(result.err()).contains(expected);
    }

    /** A valid Service with these annotations on its own metadata. */
    static String annotated(String annotations) {
        return service(VALID_TRAFFIC).replace("""
                metadata:
                  name: order-webhook
                spec:""", """
                metadata:
                  name: order-webhook
                  annotations:
                """ + annotations + """
                spec:""");
    }

    @Test
    void acceptsTheRolloutSettingsOfAService() {
        Result result = validate(annotated("""
                    rollout.acme.example/smoke-check: webhook-ping
                    rollout.acme.example/min-requests: "20"
                """));

        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    @Test
    void rejectsAnUnknownSmokeCheck() {
        assertInvalid(annotated("    rollout.acme.example/smoke-check: ping\n"),
                "rollout.acme.example/smoke-check 'ping' must be one of [webhook-ping, status-event, none]");
    }

    @Test
    void rejectsARequestFloorBelowOne() {
        assertInvalid(annotated("    rollout.acme.example/min-requests: \"0\"\n"),
                "rollout.acme.example/min-requests '0' must be a whole number of at least 1");
    }

    @Test
    void rejectsRolloutAnnotationsThatOnlyTheCliWrites() {
        assertInvalid(annotated("    rollout.acme.example/stable-revision: order-webhook-v0\n"),
                "rollout.acme.example/stable-revision is not a setting of the rollout CLI");
    }

    @Test
    void acceptsAValidServiceFromStdin() {
        Result result = validate(service(VALID_TRAFFIC));

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("stdin: 1 resources valid (1 Knative Services)");
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("service.yaml");
        Files.writeString(file, service(VALID_TRAFFIC));
        CommandLine cli = Rollout.commandLine(new Rollout());
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        assertThat(cli.execute("validate", "-f", file.toString())).isZero();
        assertThat(out.toString()).contains("1 resources valid");
    }

    @Test
    void rejectsTrafficThatDoesNotSumTo100() {
        assertInvalid(service(VALID_TRAFFIC.replace("percent: 100", "percent: 90")),
                "Service/order-webhook: spec.traffic: percents sum to 90, must be 100");
    }

    @Test
    void rejectsPercentOutside0To100() {
        assertInvalid(service(VALID_TRAFFIC.replace("percent: 100", "percent: 120")
                .replace("percent: 0", "percent: -20")), "spec.traffic[0].percent 120 must be within 0..100");
        assertInvalid(service(VALID_TRAFFIC.replace("percent: 100", "percent: 120")
                .replace("percent: 0", "percent: -20")), "spec.traffic[1].percent -20 must be within 0..100");
    }

    @Test
    void rejectsTagsThatAreNotDns1035Labels() {
        assertInvalid(service(VALID_TRAFFIC.replace("tag: previous", "tag: 1st_Try")),
                "spec.traffic[1].tag '1st_Try' must be a DNS-1035 label");
    }

    @Test
    void rejectsDuplicateTags() {
        assertInvalid(service(VALID_TRAFFIC.replace("tag: previous", "tag: current")),
                "spec.traffic[1].tag 'current' is used more than once");
    }

    @Test
    void rejectsTemplateRevisionNamesWithoutTheServicePrefix() {
        assertInvalid(service(VALID_TRAFFIC).replace("name: order-webhook-v1\n", "name: webhook-v1\n"),
                "spec.template.metadata.name 'webhook-v1' must start with 'order-webhook-'");
    }

    @Test
    void rejectsTrafficRevisionNamesWithoutTheServicePrefix() {
        assertInvalid(service(VALID_TRAFFIC.replace("revisionName: order-webhook-v0", "revisionName: other-v0")),
                "spec.traffic[1].revisionName 'other-v0' must start with 'order-webhook-'");
    }

    @Test
    void rejectsTrafficTargetsWithoutExactlyOneOfRevisionNameAndLatestRevision() {
        assertInvalid(service(VALID_TRAFFIC.replace("revisionName: order-webhook-v0", "latestRevision: false")),
                "spec.traffic[1]: exactly one of revisionName or latestRevision: true is required");
    }

    @Test
    void rejectsAutoscalingAnnotationsOnTheServiceMetadata() {
        assertInvalid(service(VALID_TRAFFIC).replace("  name: order-webhook\nspec:",
                        "  name: order-webhook\n  annotations:\n    autoscaling.knative.dev/max-scale: \"3\"\nspec:"),
                "metadata.annotations: autoscaling.knative.dev/max-scale is only allowed on the revision template");
    }

    @Test
    void rejectsMinScaleAboveMaxScale() {
        assertInvalid(service(VALID_TRAFFIC).replace("min-scale: \"1\"", "min-scale: \"5\""),
                "autoscaling.knative.dev/min-scale (5) must not exceed autoscaling.knative.dev/max-scale (3)");
    }

    @Test
    void acceptsMinScaleWithUnboundedMaxScale() {
        Result result = validate(service(VALID_TRAFFIC).replace("max-scale: \"3\"", "max-scale: \"0\""));

        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    @Test
    void rejectsFieldsTheKnativeModelDoesNotKnow() {
        assertInvalid(service(VALID_TRAFFIC + "  rolloutStrategy: canary\n"), "unknown field spec.rolloutStrategy");
        assertInvalid(service(VALID_TRAFFIC).replace("- image: functions", "- image: functions\n          imagePolicy: x"),
                "unknown field spec.template.spec.containers[0].imagePolicy");
    }

    @Test
    void rejectsKindsOutsideTheModel() {
        assertInvalid("""
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: w
                """, "Widget/w: unknown kind example.com/v1 Widget");
    }

    @Test
    void rejectsPodSecurityContextUnlessTheClusterFlagIsDeclared() {
        String yaml = service(VALID_TRAFFIC).replace("      containers:", "      securityContext:\n        runAsNonRoot: true\n      containers:");

        assertInvalid(yaml, "spec.template.spec.securityContext needs the config-features flag "
                + "kubernetes.podspec-securitycontext");
        assertThat(validate(yaml, "--feature", "kubernetes.podspec-securitycontext").exitCode()).isZero();
    }

    @Test
    void rejectsTopologySpreadUnlessTheClusterFlagIsDeclared() {
        String yaml = service(VALID_TRAFFIC).replace("      containers:", String.join("\n",
                "      topologySpreadConstraints:",
                "        - maxSkew: 1",
                "          topologyKey: kubernetes.io/hostname",
                "          whenUnsatisfiable: DoNotSchedule",
                "          labelSelector:",
                "            matchLabels:",
                "              serving.knative.dev/service: order-webhook",
                "          matchLabelKeys: [serving.knative.dev/revision]",
                "      containers:"));

        assertInvalid(yaml, "spec.template.spec.topologySpreadConstraints needs the config-features flag "
                + "kubernetes.podspec-topologyspreadconstraints");
        assertThat(validate(yaml, "--feature", "kubernetes.podspec-topologyspreadconstraints").exitCode()).isZero();
    }

    @Test
    void acceptsTopologySpreadWhereTheServiceDeclaresTheFlagAsItsClusterPrerequisiteAndPrintsIt() {
        String yaml = service(VALID_TRAFFIC)
                .replace("  name: order-webhook\n", "  name: order-webhook\n  annotations:\n"
                        + "    rollout.acme.example/cluster-features: kubernetes.podspec-topologyspreadconstraints\n")
                .replace("      containers:", String.join("\n",
                        "      topologySpreadConstraints:",
                        "        - maxSkew: 1",
                        "          topologyKey: kubernetes.io/hostname",
                        "          whenUnsatisfiable: DoNotSchedule",
                        "      containers:"));

        Result result = validate(yaml);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("cluster prerequisites (config-features in knative-serving): "
                + "kubernetes.podspec-topologyspreadconstraints");
    }

    @Test
    void rejectsAClusterPrerequisiteKnativeDoesNotHave() {
        String yaml = service(VALID_TRAFFIC).replace("  name: order-webhook\n", "  name: order-webhook\n  annotations:\n"
                + "    rollout.acme.example/cluster-features: kubernetes.podspec-topologyspread\n");

        assertInvalid(yaml, "metadata.annotations: rollout.acme.example/cluster-features names "
                + "kubernetes.podspec-topologyspread, not a Knative Serving config-features flag");
    }

    @Test
    void refusesAFeatureFlagKnativeDoesNotHave() {
        Result result = validate(service(VALID_TRAFFIC), "--feature", "kubernetes.podspec-topologyspreadconstraint");

        assertThat(result.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(result.err()).contains("--feature kubernetes.podspec-topologyspreadconstraint: not a Knative "
                + "Serving config-features flag");
    }

    /** Each kind the overlays use besides Services, Triggers and ConfigMaps, as the overlays write it. */
    static final String SUPPORTING_KINDS = """
            apiVersion: monitoring.coreos.com/v1
            kind: PodMonitor
            metadata:
              name: functions
            spec:
              selector:
                matchLabels:
                  app.kubernetes.io/name: functions
              podMetricsEndpoints:
                - port: user-port
                  path: /actuator/prometheus
                  relabelings:
                    - sourceLabels: [__meta_kubernetes_pod_label_serving_knative_dev_revision]
                      targetLabel: revision
            ---
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata:
              name: rules
            spec:
              groups:
                - name: g
                  rules:
                    - alert: A
                      expr: vector(1)
                      for: 5m
                      labels:
                        severity: warning
                      annotations:
                        runbook_url: https://example.invalid/runbook#a
            ---
            apiVersion: eventing.knative.dev/v1alpha1
            kind: KafkaSink
            metadata:
              name: dead-letters
            spec:
              topic: t
              bootstrapServers: [kafka:9093]
              contentMode: structured
              auth:
                secret:
                  ref:
                    name: kafka-auth
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: deny
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: front
            spec:
              ingressClassName: public
              tls:
                - hosts: [a.example]
                  secretName: front-tls
              rules:
                - host: a.example
                  http:
                    paths:
                      - path: /
                        pathType: Prefix
                        backend:
                          service:
                            name: front
                            port:
                              name: http
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: order-webhook
            spec:
              minAvailable: 1
              selector:
                matchLabels:
                  serving.knative.dev/service: order-webhook
            """;

    @Test
    void knowsTheMonitoringEventingNetworkAndAvailabilityKindsOfTheOverlays() {
        Result result = validate(SUPPORTING_KINDS);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("6 resources valid");
    }

    @Test
    void rejectsFieldsThoseKindsDoNotKnow() {
        assertInvalid(SUPPORTING_KINDS.replace("      path: /actuator/prometheus", "      pth: /actuator/prometheus"),
                "PodMonitor/functions: unknown field spec.podMetricsEndpoints[0].pth");
        assertInvalid(SUPPORTING_KINDS.replace("  contentMode: structured", "  contentMod: structured"),
                "KafkaSink/dead-letters: unknown field spec.contentMod");
    }

    @Test
    void rejectsCertManagerKindsWhichTheModelDoesNotCover() {
        assertInvalid("""
                apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata:
                  name: front
                """, "Certificate/front: unknown kind cert-manager.io/v1 Certificate");
    }

    @Test
    void reportsEveryProblemAndSummarisesInOneErrorLine() {
        Result result = validate(service(VALID_TRAFFIC.replace("percent: 100", "percent: 90")
                .replace("tag: previous", "tag: current")));

        assertThat(result.exitCode()).isEqualTo(ExitCode.INVALID_MANIFEST);
        assertThat(result.err().lines().filter(l -> l.startsWith("error: "))).singleElement().asString()
                .contains("2 problem(s)");
    }
}
