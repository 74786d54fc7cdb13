package com.acme.integration.testkit;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import com.acme.integration.testkit.bench.AwaitAnswers;
import com.acme.integration.testkit.bench.ColdStart;
import com.acme.integration.testkit.bench.IsoCodes;
import com.acme.integration.testkit.bench.Throughput;
import com.acme.integration.testkit.image.JreModules;
import com.acme.integration.testkit.load.LoadClient;
import com.acme.integration.testkit.load.Reliability;
import com.acme.integration.testkit.training.AotTraining;

/**
 * The programs the scripts run: {@code java -jar testkit/target/testkit.jar COMMAND ...} (built by
 * {@code ./mvnw -B -pl testkit -am package}). Bad usage is a one-line message and exit 2, a failed run exit 1.
 */
@Command(name = "testkit", mixinStandardHelpOptions = true,
		description = "Stand-ins, signer, load, reliability, benchmark and image programs of the tests and scripts.",
		subcommands = { StandInCommand.class, SendWebhook.class, LoadClient.class, Reliability.class,
				Throughput.class, AwaitAnswers.class, ColdStart.class, IsoCodes.class, AotTraining.class, JreModules.class })
public final class TestKit {

	private TestKit() {
	}

	public static void main(String[] args) {
		int exit = commandLine().execute(args);
		if (exit != 0 || !StandInCommand.isServing()) {
			System.exit(exit);
		}
	}

	/** The command line, failures reported in one line (a stack trace helps nobody who runs a script). */
	public static CommandLine commandLine() {
		return new CommandLine(TestKit.class).setExecutionExceptionHandler((ex, command, parsed) -> {
			command.getErr().println(command.getCommandName() + ": "
					+ ((ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName()));
			return 1;
		});
	}

}
