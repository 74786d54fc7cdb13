package com.acme.integration.checks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;

import com.acme.integration.checks.Repository.Result;
import tools.jackson.databind.json.JsonMapper;

/**
 * What gitlab-ci-local (the version in {@link #VERSION}, installed in the npm prefix
 * named by the system property {@code checks.gitlabCiLocalDir}) makes of the repository's
 * .gitlab-ci.yml, offline: the merged pipeline of {@code --preview} after its validation
 * against GitLab's JSON schema, the jobs {@code --list-json} creates for each
 * {@link Pipeline}, and the outcome of workflow:rules for given variables. Each is asked
 * once per JVM, because a listing takes seconds; a failure is kept and reported again to
 * every check that needs it.
 * <p>
 * GitLab's security templates are {@code include: template:}, which gitlab-ci-local
 * fetches from gitlab.com. There is no network in the checks, so the labelled stand-ins
 * in {@code offline-templates/} (test resources, with the templates' job names and rule
 * shape) are put into gitlab-ci-local's include cache first; .gitlab-ci.yml itself is
 * read unchanged.
 */
final class GitlabCiLocal {

	static final String VERSION = "4.60.0";

	private static final Duration TIMEOUT = Duration.ofMinutes(5);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Path WORK = Repository.WORK.resolve("gitlab-ci-local");

	/**
	 * gitlab-ci-local's state, include cache included. It joins the folder to its working
	 * directory ({@code <cwd>/<state dir>}), so it is given relative to the repository root.
	 */
	private static final Path STATE_DIR = Repository.WORK.resolve("gitlab-ci-local-state");

	private static final List<String> COMMON = List.of("--variable", "CI_DEFAULT_BRANCH=main", "--variable",
			"CI_PROJECT_PATH=acme/order-integration", "--variable",
			"CI_REGISTRY_IMAGE=registry.example.invalid/acme/order-integration");

	private static final List<String> TAG_VARIABLES = List.of("--variable", "CI_PIPELINE_SOURCE=push", "--variable",
			"CI_COMMIT_TAG=v1.2.3", "--variable", "CI_COMMIT_REF_NAME=v1.2.3", "--variable",
			"CI_COMMIT_REF_SLUG=v1-2-3", "--unset-variable", "CI_COMMIT_BRANCH");

	private static final Lazy<Path> INSTALLATION = new Lazy<>(GitlabCiLocal::installation);

	private static final Lazy<Map<String, Object>> PREVIEW = new Lazy<>(GitlabCiLocal::loadPreview);

	private static final Lazy<Map<Pipeline, Map<String, Job>>> LISTINGS = new Lazy<>(GitlabCiLocal::loadListings);

	private static final Map<Map<String, Map<String, String>>, Lazy<Map<String, String>>> WORKFLOWS = new HashMap<>();

	private GitlabCiLocal() {
	}

	/**
	 * The pipelines simulated, with the predefined variables GitLab would set for each.
	 */
	enum Pipeline {

		MERGE_REQUEST("mr",
				List.of("--variable", "CI_PIPELINE_SOURCE=merge_request_event", "--variable", "CI_MERGE_REQUEST_IID=42",
						"--variable", "CI_COMMIT_REF_NAME=feature/x", "--variable", "CI_COMMIT_REF_SLUG=feature-x",
						"--unset-variable", "CI_COMMIT_BRANCH", "--unset-variable", "CI_COMMIT_TAG")),

		DEFAULT_BRANCH("default",
				List.of("--variable", "CI_PIPELINE_SOURCE=push", "--variable", "CI_COMMIT_BRANCH=main", "--variable",
						"CI_COMMIT_REF_NAME=main", "--variable", "CI_COMMIT_REF_SLUG=main", "--unset-variable",
						"CI_COMMIT_TAG")),

		TAG("tag", TAG_VARIABLES),

		/** A tag during a deploy freeze: GitLab sets CI_DEPLOY_FREEZE. */
		FROZEN_TAG("tag-frozen",
				Stream.concat(TAG_VARIABLES.stream(), Stream.of("--variable", "CI_DEPLOY_FREEZE=true")).toList());

		private final String label;

		private final List<String> arguments;

		Pipeline(String label, List<String> arguments) {
			this.label = label;
			this.arguments = arguments;
		}

		@Override
		public String toString() {
			return this.label;
		}

	}

	/** A job as {@code --list-json} shows it. */
	record Job(String stage, String when, boolean allowFailure) {

		@Override
		public String toString() {
			return "(" + this.stage + ", " + this.when + ", allow_failure " + this.allowFailure + ")";
		}

	}

	/**
	 * The merged pipeline of {@code --preview} in a default-branch pipeline (extends,
	 * includes and defaults resolved), its YAML documents merged into one map as
	 * {@code Object.assign} does. Only returned when gitlab-ci-local validated the file
	 * against GitLab's JSON schema.
	 */
	static Map<String, Object> preview() {
		return PREVIEW.get();
	}

	/** The jobs the pipeline creates (those whose when is not never), by name. */
	static Map<String, Job> jobs(Pipeline pipeline) {
		return LISTINGS.get().get(pipeline);
	}

	/** Makes sure the installed gitlab-ci-local is {@link #VERSION}. */
	static void requireInstalled() {
		INSTALLATION.get();
	}

	/**
	 * "run" or "skip" for every case, as .gitlab-ci.yml's workflow:rules decide with
	 * gitlab-ci-local's own rule engine (its listings do not apply workflow:rules).
	 * CI_DEFAULT_BRANCH is main in every case.
	 */
	static Map<String, String> workflow(Map<String, Map<String, String>> cases) {
		Lazy<Map<String, String>> result;
		synchronized (WORKFLOWS) {
			result = WORKFLOWS.computeIfAbsent(Map.copyOf(cases), (key) -> new Lazy<>(() -> evaluateWorkflow(key)));
		}
		return result.get();
	}

	private static Path installation() {
		String property = System.getProperty("checks.gitlabCiLocalDir");
		Path dir = (property != null) ? Path.of(property).toAbsolutePath() : null;
		Path binary = (dir != null) ? dir.resolve("node_modules/.bin/gitlab-ci-local") : null;
		if (binary == null || !Files.isExecutable(binary)) {
			throw new AssertionError("gitlab-ci-local " + VERSION + " is not installed in " + dir
					+ " (system property checks.gitlabCiLocalDir): run scripts/ci/check-pipeline.sh, which installs it,"
					+ " or npm install --prefix <dir> gitlab-ci-local@" + VERSION);
		}
		prepareStateDir();
		Result version = run("version", List.of(binary.toString(), "--version"));
		if (version.exitCode() != 0 || !version.stdout().strip().equals(VERSION)) {
			throw new AssertionError("gitlab-ci-local in " + dir + " is not " + VERSION + " (--version: "
					+ version.stdout().strip() + " " + version.stderr().strip() + "): run scripts/ci/check-pipeline.sh,"
					+ " which installs " + VERSION);
		}
		return dir;
	}

	private static Map<String, Object> loadPreview() {
		Path dir = INSTALLATION.get();
		Result preview = gitlabCiLocal("preview", Pipeline.DEFAULT_BRANCH, "--preview");
		if (preview.exitCode() != 0 || !preview.stderr().contains("json schema validated")) {
			throw new AssertionError(".gitlab-ci.yml does not parse or validate against GitLab's JSON schema"
					+ " (gitlab-ci-local --preview exited " + preview.exitCode() + "):\n" + preview.stderr());
		}
		// gitlab-ci-local's own YAML library reads its own output: no YAML 1.1 versus 1.2
		// differences.
		String merge = """
				const yaml = require(process.argv[1]);
				const docs = yaml.loadAll(require("fs").readFileSync(process.argv[2], "utf8")).filter(Boolean);
				process.stdout.write(JSON.stringify(Object.assign({}, ...docs)));
				""";
		Result json = run("preview-json", List.of("node", "-e", merge, dir.resolve("node_modules/js-yaml").toString(),
				WORK.resolve("preview.out").toString()));
		if (json.exitCode() != 0) {
			throw new AssertionError("the merged YAML of --preview could not be read with js-yaml:\n" + json.stderr());
		}
		return asMap(JSON.readValue(json.stdout(), Map.class));
	}

	private static Map<Pipeline, Map<String, Job>> loadListings() {
		INSTALLATION.get();
		// The listings are independent and take seconds each: side by side.
		try (ExecutorService executor = Executors.newFixedThreadPool(Pipeline.values().length)) {
			Map<Pipeline, Future<Map<String, Job>>> futures = new EnumMap<>(Pipeline.class);
			for (Pipeline pipeline : Pipeline.values()) {
				futures.put(pipeline, executor.submit(() -> listJobs(pipeline)));
			}
			Map<Pipeline, Map<String, Job>> listings = new EnumMap<>(Pipeline.class);
			for (Map.Entry<Pipeline, Future<Map<String, Job>>> future : futures.entrySet()) {
				listings.put(future.getKey(), future.getValue().get());
			}
			return listings;
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof AssertionError error) {
				throw error;
			}
			throw new IllegalStateException(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Map<String, Job> listJobs(Pipeline pipeline) {
		Result listing = gitlabCiLocal("list-" + pipeline, pipeline, "--list-json");
		if (listing.exitCode() != 0) {
			throw new AssertionError("gitlab-ci-local --list-json failed for the " + pipeline + " pipeline (exit "
					+ listing.exitCode() + "):\n" + listing.stderr());
		}
		// It may print warnings before the JSON.
		List<String> lines = listing.stdout().lines().toList();
		int start = 0;
		while (start < lines.size() && !lines.get(start).startsWith("[")) {
			start++;
		}
		String json = String.join("\n", lines.subList(start, lines.size()));
		Map<String, Job> jobs = new LinkedHashMap<>();
		for (Object item : JSON.readValue(json, List.class)) {
			Map<String, Object> job = asMap(item);
			if (!"never".equals(job.get("when"))) {
				jobs.put((String) job.get("name"), new Job((String) job.get("stage"), (String) job.get("when"),
						Boolean.TRUE.equals(job.get("allow_failure"))));
			}
		}
		return jobs;
	}

	private static Map<String, String> evaluateWorkflow(Map<String, Map<String, String>> cases) {
		Path dir = INSTALLATION.get();
		Map<String, Map<String, String>> withDefaultBranch = new LinkedHashMap<>();
		cases.forEach((name, variables) -> {
			Map<String, String> all = new LinkedHashMap<>(variables);
			all.put("CI_DEFAULT_BRANCH", "main");
			withDefaultBranch.put(name, all);
		});
		try {
			Files.createDirectories(WORK);
			Path casesFile = Files.createTempFile(WORK, "workflow-cases-", ".json");
			Files.writeString(casesFile, JSON.writeValueAsString(withDefaultBranch));
			Result result = run("workflow", List.of("node", Repository.resource("workflow-rules.mjs").toString(), dir.toString(),
					Repository.ROOT.resolve(".gitlab-ci.yml").toString(), casesFile.toString()));
			if (result.exitCode() != 0) {
				throw new AssertionError("workflow-rules.mjs failed:\n" + result.stderr());
			}
			Map<String, String> outcomes = new LinkedHashMap<>();
			asMap(JSON.readValue(result.stdout(), Map.class))
				.forEach((name, outcome) -> outcomes.put(name, (String) outcome));
			return outcomes;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** A fresh state dir whose include cache holds the offline templates. */
	private static void prepareStateDir() {
		Path templates = STATE_DIR.resolve("includes/gitlab.com/gitlab-org/gitlab/-/raw/HEAD/lib/gitlab/ci/templates");
		Path source = Repository.resource("offline-templates");
		try {
			Repository.delete(STATE_DIR);
			Repository.delete(WORK);
			Files.createDirectories(WORK);
			try (Stream<Path> files = Files.walk(source)) {
				for (Path file : files.toList()) {
					Path target = templates.resolve(source.relativize(file).toString());
					if (Files.isDirectory(file)) {
						Files.createDirectories(target);
					}
					else {
						Files.copy(file, target);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Result gitlabCiLocal(String name, Pipeline pipeline, String mode) {
		Path dir = INSTALLATION.get();
		List<String> command = new ArrayList<>();
		command.add(dir.resolve("node_modules/.bin/gitlab-ci-local").toString());
		command.add("--state-dir");
		command.add(Repository.ROOT.relativize(STATE_DIR).toString());
		command.addAll(COMMON);
		command.addAll(pipeline.arguments);
		command.add(mode);
		return run(name, command);
	}

	/** Runs a command in the repository root; its stdout stays in the work folder as NAME.out. */
	private static Result run(String name, List<String> command) {
		Result result = Repository.run(command, Map.of(), TIMEOUT);
		try {
			Files.createDirectories(WORK);
			Files.writeString(WORK.resolve(name + ".out"), result.stdout());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return result;
	}

	@SuppressWarnings("unchecked")
	static Map<String, Object> asMap(Object value) {
		return (value instanceof Map<?, ?> map) ? (Map<String, Object>) map : Map.of();
	}

	/**
	 * A value computed once; a failure is kept and thrown again, as a new AssertionError,
	 * on every get.
	 */
	private static final class Lazy<T> {

		private final Supplier<T> supplier;

		private T value;

		private Throwable failure;

		Lazy(Supplier<T> supplier) {
			this.supplier = supplier;
		}

		synchronized T get() {
			if (this.value == null && this.failure == null) {
				try {
					this.value = this.supplier.get();
				}
				catch (RuntimeException | AssertionError ex) {
					this.failure = ex;
				}
			}
			if (this.failure != null) {
				throw new AssertionError(this.failure.getMessage(), this.failure);
			}
			return this.value;
		}

	}

}
