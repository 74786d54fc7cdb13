package com.acme.rollout;

import io.fabric8.knative.client.KnativeClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "gates", mixinStandardHelpOptions = true,
        description = {"Evaluates the metric gates once for a Service's candidate revision, as deploy does after a "
                + "step, and exits 0 when they pass, 1 with the reason when they do not: the candidate below its "
                + "request floor, a ratio or the p95 above its limit, or data that is missing, NaN or unreachable. "
                + "With --stable, the limits are relative to the stable revision while it has at least the floor "
                + "of requests itself; otherwise they are absolute.",
                "The request floor is --min-requests, else the Service's annotation " + ServiceSettings.MIN_REQUESTS
                        + " (read from the cluster), else " + ServiceSettings.DEFAULT_MIN_REQUESTS + ". The queries "
                        + "are in gate-queries.properties (knative/rollout/src/main/resources).",
                "Example: java -jar rollout.jar gates --env prod --service order-webhook --candidate 1a2b3c4 "
                        + "--stable 0f9e8d7 --prometheus-url http://prometheus.monitoring:9090"},
        footer = {"", ExitCode.HELP})
final class GatesCommand implements Callable<Integer> {
    @ParentCommand
    Rollout root;
    @Spec
    CommandSpec spec;
    @Mixin
    MetricOptions metrics;

    @Option(names = "--context", defaultValue = "${env:KUBE_CONTEXT}",
            description = "Kube config context, to read the Service's request floor (default: $KUBE_CONTEXT, else "
                    + "the current context); not needed with --min-requests.")
    String context;

    @Option(names = {"-n", "--namespace"}, defaultValue = "${env:KUBE_NAMESPACE}",
            description = "Namespace, the label namespace of the series (default: $KUBE_NAMESPACE, else --env).")
    String namespace;

    @Option(names = "--env", defaultValue = "${env:ROLLOUT_ENV}",
            description = "Environment: dev, staging or prod, the namespace's name (default: $ROLLOUT_ENV).")
    String env;

    @Option(names = "--service", required = true, description = "Knative Service, e.g. order-webhook.")
    String service;

    @Option(names = "--candidate", required = true, paramLabel = "REVISION",
            description = "Candidate revision: a full name (order-webhook-1a2b3c4) or a version (1a2b3c4).")
    String candidate;

    @Option(names = "--stable", paramLabel = "REVISION",
            description = "Stable revision that shares the traffic; without it the thresholds are absolute.")
    String stable;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        metrics.check();
        if (!metrics.hasPrometheus()) {
            throw new RolloutException(ExitCode.USAGE, "no Prometheus: set --prometheus-url or $PROMETHEUS_URL");
        }
        String ns = namespace != null && !namespace.isBlank() ? namespace : env;
        if (ns == null || ns.isBlank()) {
            throw new RolloutException(ExitCode.USAGE, "no namespace: use --namespace, --env or $KUBE_NAMESPACE");
        }
        String candidateRevision = revision(candidate);
        String stableRevision = stable == null || stable.isBlank() ? null : revision(stable);
        int floor = metrics.minRequests != null ? metrics.minRequests : floorFromCluster(ns);
        HttpClient http = HttpClient.newBuilder().connectTimeout(metrics.httpTimeout).build();
        MetricGate gate = new MetricGate(new Prometheus(metrics.prometheusUrl, http, metrics.httpTimeout),
                GateQueries.load(), metrics.thresholds(), metrics.window);
        MetricGate.Verdict verdict = gate.evaluate(ns, service, candidateRevision, stableRevision, floor, false);
        switch (verdict) {
            case MetricGate.Pass pass -> {
                out.printf("%s: %s%n", service, pass.reason());
                out.flush();
                return ExitCode.OK;
            }
            case MetricGate.Hold hold -> throw new RolloutException(ExitCode.ROLLED_BACK, service
                    + ": no verdict, below the request floor: " + hold.reason());
            case MetricGate.Fail fail -> throw new RolloutException(ExitCode.ROLLED_BACK, service + ": "
                    + fail.reason());
        }
    }

    private String revision(String name) {
        return name.startsWith(service + "-") ? name : service + "-" + name;
    }

    private int floorFromCluster(String ns) {
        try (KnativeClient kn = root.open(context).adapt(KnativeClient.class)) {
            Knative knative = new Knative(kn, ns, spec.commandLine().getOut(), Duration.ZERO, Duration.ZERO);
            return ServiceSettings.of(knative.requireService(service)).minRequests();
        } catch (RolloutException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RolloutException(ExitCode.CLUSTER_ERROR, "cannot read the request floor of " + service
                    + " from the cluster (" + Rollout.oneLine(e) + "): give --min-requests");
        }
    }
}
