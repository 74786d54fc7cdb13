package com.acme.rollout;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks a rendered manifest offline, without a cluster: Knative's admission rules (traffic "
                + "sums to 100, each percent within 0..100, exactly one of revisionName/latestRevision, tags are "
                + "unique DNS-1035 labels, revision names start with '<service>-', autoscaling annotations only "
                + "on the revision template, min-scale <= max-scale, pod fields Knative refuses or gates behind a "
                + "config-features flag, unless --feature or the Service's rollout.acme.example/cluster-features "
                + "annotation declares it) and the Kubernetes/Knative API model (unknown kinds and fields are "
                + "rejected).",
                "Example: kubectl kustomize knative/overlays/prod | java -jar rollout.jar validate -f -"},
        footer = {"", ExitCode.HELP})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    InputStream stdin = System.in;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE|-",
            description = "Manifest file, or '-' for stdin.")
    String file;

    @Option(names = "--feature", split = ",",
            description = "config-features flags the target cluster enables (e.g. kubernetes.podspec-securitycontext,"
                    + "multi-container); fields they gate are then accepted.")
    Set<String> features = Set.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Manifest manifest = Manifest.read(file, stdin);
        List<String> problems = new Validator(features).validate(manifest);
        if (!problems.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            problems.forEach(err::println);
            err.flush();
            throw new RolloutException(ExitCode.INVALID_MANIFEST, (file.equals("-") ? "stdin" : file) + ": "
                    + problems.size() + " problem(s): " + problems.get(0));
        }
        out.printf("%s: %d resources valid (%d Knative Services)%n", file.equals("-") ? "stdin" : file,
                manifest.documents().size(), manifest.knativeServices().size());
        // What the Services declare they need of their cluster, for whoever sets the cluster up.
        Set<String> prerequisites = new TreeSet<>();
        manifest.knativeServices().forEach(s -> prerequisites.addAll(ServiceSettings.clusterFeatures(
                s.getMetadata().getAnnotations())));
        if (!prerequisites.isEmpty()) {
            out.printf("cluster prerequisites (config-features in knative-serving): %s%n",
                    String.join(", ", prerequisites));
        }
        out.flush();
        return ExitCode.OK;
    }
}
