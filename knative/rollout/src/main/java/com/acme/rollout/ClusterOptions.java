package com.acme.rollout;

import picocli.CommandLine.Option;

/** Where to act: kube config and context from the standard places, overridable from CI variables. */
final class ClusterOptions {
    @Option(names = "--context", defaultValue = "${env:KUBE_CONTEXT}",
            description = "Kube config context (default: $KUBE_CONTEXT, else the current context).")
    String context;

    @Option(names = {"-n", "--namespace"}, defaultValue = "${env:KUBE_NAMESPACE}",
            description = "Namespace (default: $KUBE_NAMESPACE, else the one named like --env, "
                    + "else the context's namespace).")
    String namespace;

    @Option(names = "--env", defaultValue = "${env:ROLLOUT_ENV}",
            description = "Environment: dev, staging or prod (default: $ROLLOUT_ENV). The namespace has "
                    + "the environment's name (dev, staging, prod) when no namespace is given.")
    String env;

    @Option(names = "--selector", defaultValue = "app.kubernetes.io/name=functions",
            description = "Label selector of the Knative Services to act on (default: ${DEFAULT-VALUE}).")
    String selector;

    String namespaceOr(String contextNamespace) {
        if (namespace != null && !namespace.isBlank()) {
            return namespace;
        }
        if (env != null && !env.isBlank()) {
            return env;
        }
        if (contextNamespace != null) {
            return contextNamespace;
        }
        throw new RolloutException(ExitCode.USAGE, "no namespace: use --namespace, --env or $KUBE_NAMESPACE");
    }
}
