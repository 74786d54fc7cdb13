package com.acme.rollout;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.function.Function;

@Command(name = "rollout", mixinStandardHelpOptions = true, version = "rollout 0.1.0",
        description = "Rolls the functions image out to Knative Services by shifting traffic step by step, "
                + "with gates at every step and an automatic rollback.",
        subcommands = {DeployCommand.class, GatesCommand.class, PromoteCommand.class, RollbackCommand.class,
                StatusCommand.class, PreviewCommand.class, ValidateCommand.class},
        footer = {"", ExitCode.HELP})
public final class Rollout implements Runnable {

    /** Opens a client for a kube config context (null = current). Tests hand in the mock server's. */
    private final Function<String, KubernetesClient> clients;
    /** The environment, for the values that must not be command-line arguments (the smoke secret). */
    private final Function<String, String> env;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Rollout() {
        this(context -> new KubernetesClientBuilder().withConfig(Config.autoConfigure(context)).build(), System::getenv);
    }

    Rollout(Function<String, KubernetesClient> clients, Function<String, String> env) {
        this.clients = clients;
        this.env = env;
    }

    KubernetesClient open(String context) {
        return clients.apply(context == null || context.isBlank() ? null : context);
    }

    String env(String name) {
        return env.apply(name);
    }

    /** How this CLI was started, for the commands it prints: the jar's path when it runs from one. */
    static String invocation() {
        try {
            java.nio.file.Path location = java.nio.file.Path.of(Rollout.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
            if (location.toString().endsWith(".jar")) {
                return "java -jar " + location;
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // Not from a jar file (tests, an IDE): the path the build produces.
        }
        return "java -jar knative/rollout/target/rollout.jar";
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static CommandLine commandLine(Rollout rollout) {
        CommandLine cli = new CommandLine(rollout);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + oneLine(ex));
            commandLine.getErr().flush();
            if (ex instanceof RolloutException re) {
                return re.exitCode();
            }
            return ExitCode.CLUSTER_ERROR;
        });
        return cli;
    }

    static String oneLine(Throwable ex) {
        String message = ex instanceof KubernetesClientException kce && kce.getStatus() != null
                && kce.getStatus().getMessage() != null
                ? kce.getCode() + " " + kce.getStatus().getMessage()
                : ex.getMessage();
        if (message == null) {
            message = ex.getClass().getSimpleName();
        }
        Throwable cause = ex.getCause();
        if (ex instanceof KubernetesClientException && cause != null && cause != ex) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            message = message + ": " + root.getClass().getSimpleName()
                    + (root.getMessage() == null ? "" : " " + root.getMessage());
        }
        return message.replaceAll("\\s+", " ").strip();
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Rollout()).execute(args));
    }
}
