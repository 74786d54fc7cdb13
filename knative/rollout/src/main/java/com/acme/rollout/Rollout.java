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
        subcommands = {DeployCommand.class, PromoteCommand.class, RollbackCommand.class, StatusCommand.class,
                PreviewCommand.class, ValidateCommand.class},
        footer = {"", ExitCode.HELP})
public final class Rollout implements Runnable {

    /** Opens a client for a kube config context (null = current). Tests hand in the mock server's. */
    private final Function<String, KubernetesClient> clients;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Rollout() {
        this(context -> new KubernetesClientBuilder().withConfig(Config.autoConfigure(context)).build());
    }

    Rollout(Function<String, KubernetesClient> clients) {
        this.clients = clients;
    }

    KubernetesClient open(String context) {
        return clients.apply(context == null || context.isBlank() ? null : context);
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
