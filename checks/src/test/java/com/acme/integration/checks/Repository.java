package com.acme.integration.checks;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The repository under test, and the programs the checks run (git, bash, node, gitlab-ci-local, shellcheck). */
final class Repository {

	static final Path ROOT = Path.of(System.getProperty("checks.repoRoot", "..")).toAbsolutePath().normalize();

	/** Where a check keeps what it produced (target/checks). */
	static final Path WORK = Path.of(System.getProperty("checks.workDir", "target/checks")).toAbsolutePath();

	private Repository() {
	}

	static String read(String path) {
		try {
			return Files.readString(ROOT.resolve(path), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static boolean exists(String path) {
		return Files.exists(ROOT.resolve(path));
	}

	/** A file or folder of the checks' test resources (src/test/resources), on the class path. */
	static Path resource(String name) {
		URL url = Repository.class.getResource("/" + name);
		if (url == null) {
			throw new IllegalStateException("test resource " + name + " not found");
		}
		try {
			return Path.of(url.toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Deletes a file or a folder with everything in it; nothing for a path that does not exist. */
	static void delete(Path path) throws IOException {
		if (!Files.exists(path)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(path)) {
			for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(each);
			}
		}
	}

	/** Tracked files and new ones git does not ignore, as paths relative to the root. */
	static List<String> files() {
		Result result = run(List.of("git", "ls-files", "--cached", "--others", "--exclude-standard"), Map.of(),
				Duration.ofMinutes(1));
		if (result.exitCode() != 0) {
			throw new IllegalStateException("git ls-files failed: " + result.output());
		}
		return result.output().lines().filter(file -> Files.isRegularFile(ROOT.resolve(file))).toList();
	}

	/** A finished command: its exit code, what it wrote to stdout and to stderr. */
	record Result(int exitCode, String stdout, String stderr) {

		/** Both streams, stdout first. */
		String output() {
			return this.stdout + this.stderr;
		}

	}

	/**
	 * Runs a command in the repository root, stdin empty, with the given environment
	 * changes (a null value removes the variable).
	 */
	static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
		try {
			Files.createDirectories(WORK);
			Path stdout = Files.createTempFile(WORK, "command-", ".out");
			Path stderr = Files.createTempFile(WORK, "command-", ".err");
			ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
				.redirectOutput(stdout.toFile())
				.redirectError(stderr.toFile())
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
			environment.forEach((name, value) -> {
				if (value == null) {
					builder.environment().remove(name);
				}
				else {
					builder.environment().put(name, value);
				}
			});
			Process process = builder.start();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new AssertionError("timed out after " + timeout + ": " + command);
			}
			Result result = new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
					Files.readString(stderr, StandardCharsets.UTF_8));
			Files.delete(stdout);
			Files.delete(stderr);
			return result;
		}
		catch (IOException ex) {
			throw new IllegalStateException("could not run " + command + ": " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted: " + command, ex);
		}
	}

}
