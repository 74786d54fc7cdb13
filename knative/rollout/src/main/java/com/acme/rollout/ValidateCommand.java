package com.acme.rollout;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
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
        Validator validator = new Validator(features);
        List<String> problems = validator.validate(manifest);
        if (!problems.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            problems.forEach(err::println);
            err.flush();
            throw new RolloutException(ExitCode.INVALID_MANIFEST, (file.equals("-") ? "stdin" : file) + ": "
                    + problems.size() + " problem(s): " + problems.get(0));
        }
        out.printf("%s: %d resources valid (%d Knative Services)%n", file.equals("-") ? "stdin" : file,
                manifest.documents().size(), manifest.knativeServices().size());
        if (!validator.declaredClusterFeatures().isEmpty()) {
            out.printf("cluster prerequisites (config-features in knative-serving): %s%n",
                    String.join(", ", new java.util.TreeSet<>(validator.declaredClusterFeatures())));
        }
        out.flush();
        return ExitCode.OK;
    }
}
