package com.acme.integration.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine;

/** Runs a testkit command in this JVM, as {@code java -jar testkit.jar ARGS} would, and keeps what it printed. */
public record Commands(int exitCode, String out, String err) {

	public static Commands run(String... args) {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		CommandLine commandLine = TestKit.commandLine();
		commandLine.setOut(new PrintWriter(out, true));
		commandLine.setErr(new PrintWriter(err, true));
		int exitCode = commandLine.execute(args);
		return new Commands(exitCode, out.toString(), err.toString());
	}

	public static int freePort() {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	/** A command line that starts a class of this class path in a JVM of its own. */
	public static List<String> java(Class<?> main, String... args) {
		List<String> command = new java.util.ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), main.getName()));
		command.addAll(List.of(args));
		return command;
	}

}
