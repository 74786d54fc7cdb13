package com.acme.integration.checks;

import static com.acme.integration.checks.GitlabCiLocal.asMap;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.integration.checks.GitlabCiLocal.Job;
import com.acme.integration.checks.GitlabCiLocal.Pipeline;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The pipeline as gitlab-ci-local reads .gitlab-ci.yml: it validates against GitLab's
 * JSON schema; workflow:rules start exactly the wanted pipelines; merge request,
 * default-branch, tag and frozen-tag pipelines create exactly the expected jobs with the
 * expected stage, when and allow_failure; the deploy jobs' environments, resource groups,
 * rules, images, runners and needs; the test and package jobs' reports, caches and
 * images; images pinned to exact releases; and every job of the project only calls an
 * executable script under scripts/ci/.
 */
final class PipelineTests {

	@Test
	void gitlabCiLocalIsInstalled() {
		GitlabCiLocal.requireInstalled();
	}

	@Test
	void pipelineParsesAndValidatesAgainstGitlabsJsonSchema() {
		assertThat(GitlabCiLocal.preview()).as("gitlab-ci-local --preview").isNotEmpty();
	}

	@Test
	void gitlabCiLocalListsTheJobsOfEveryPipelineType() {
		for (Pipeline pipeline : Pipeline.values()) {
			assertThat(GitlabCiLocal.jobs(pipeline)).as("jobs of the %s pipeline", pipeline).isNotEmpty();
		}
	}

	@Test
	void stagesAreBuildTestPackageDevStagingProduction() {
		List<Object> stages = new ArrayList<>(list(GitlabCiLocal.preview().get("stages")));
		stages.removeAll(List.of(".pre", ".post"));
		assertThat(stages).as("stages").containsExactly("build", "test", "package", "dev", "staging", "production");
	}

	/**
	 * The jobs of the project and of the included templates (not hidden ones), from the
	 * merged pipeline.
	 */
	static Map<String, Map<String, Object>> jobs() {
		Map<String, Map<String, Object>> jobs = new TreeMap<>();
		GitlabCiLocal.preview().forEach((name, value) -> {
			if (value instanceof Map<?, ?> spec && spec.containsKey("script") && !name.startsWith(".")) {
				jobs.put(name, asMap(spec));
			}
		});
		return jobs;
	}

	static Map<String, Object> job(String name) {
		return asMap(jobs().get(name));
	}

	static Map<String, Object> map(Map<String, Object> map, String key) {
		return asMap(map.get(key));
	}

	static List<Object> list(Object value) {
		return (value instanceof List<?> list) ? List.copyOf(list) : List.of();
	}

	static List<String> needs(String job) {
		return list(job(job).get("needs")).stream()
			.map((need) -> (need instanceof Map<?, ?> map) ? map.get("job") : need)
			.map(String::valueOf)
			.toList();
	}

	@Nested
	class WorkflowRules {

		/**
		 * Each case's predefined variables (CI_DEFAULT_BRANCH is main) and whether a
		 * pipeline runs.
		 */
		private static final Map<String, Case> CASES = defineCases();

		record Case(Map<String, String> variables, String expected) {
		}

		private static Map<String, Case> defineCases() {
			Map<String, Case> cases = new LinkedHashMap<>();
			cases.put("merge request",
					new Case(Map.of("CI_PIPELINE_SOURCE", "merge_request_event", "CI_MERGE_REQUEST_IID", "42"), "run"));
			cases.put("default branch",
					new Case(Map.of("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_BRANCH", "main"), "run"));
			cases.put("tag v1.2.3", new Case(Map.of("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_TAG", "v1.2.3"), "run"));
			cases.put("tag 1.2.3 (no v)",
					new Case(Map.of("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_TAG", "1.2.3"), "skip"));
			cases.put("feature branch without MR",
					new Case(Map.of("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_BRANCH", "feature/x"), "skip"));
			cases.put("feature branch with an open MR (branch pipeline)", new Case(Map.of("CI_PIPELINE_SOURCE", "push",
					"CI_COMMIT_BRANCH", "feature/x", "CI_OPEN_MERGE_REQUESTS", "acme/order-integration!42"), "skip"));
			// GitLab's pattern against duplicates: the MR pipeline replaces the branch
			// pipeline, even
			// on the default branch (deploy:dev then waits for the next push without an
			// open MR from main).
			cases.put("default branch with an open MR from it (branch pipeline)",
					new Case(Map.of("CI_PIPELINE_SOURCE", "push", "CI_COMMIT_BRANCH", "main", "CI_OPEN_MERGE_REQUESTS",
							"acme/order-integration!43"), "skip"));
			cases.put("schedule on a feature branch",
					new Case(Map.of("CI_PIPELINE_SOURCE", "schedule", "CI_COMMIT_BRANCH", "feature/x"), "skip"));
			return cases;
		}

		static Stream<Arguments> cases() {
			return CASES.entrySet().stream().map((entry) -> Arguments.of(entry.getKey(), entry.getValue().expected()));
		}

		@ParameterizedTest(name = "{0} -> {1}")
		@MethodSource("cases")
		void decidesWhetherAPipelineRuns(String name, String expected) {
			Map<String, Map<String, String>> variables = new LinkedHashMap<>();
			CASES.forEach((caseName, workflowCase) -> variables.put(caseName, workflowCase.variables()));
			assertThat(GitlabCiLocal.workflow(variables).get(name)).as("workflow: %s", name).isEqualTo(expected);
		}

	}

	@Nested
	class JobsPerPipelineType {

		private static final Map<String, Job> SCANNERS = Map.of("semgrep-sast", new Job("test", "on_success", true),
				"secret_detection", new Job("test", "on_success", true), "gemnasium-maven-dependency_scanning",
				new Job("test", "on_success", true));

		private static final Map<String, Job> COMMON = Map.of("build", new Job("build", "on_success", false), "test",
				new Job("test", "on_success", false), "manifests", new Job("test", "on_success", false), "image:check",
				new Job("test", "on_success", false), "pipeline:check", new Job("test", "on_success", false));

		// Build once, promote the same image: merge requests and the default branch build
		// and push; a
		// tag builds nothing and promotes the digests its commit's default-branch
		// pipeline pushed.
		private static final Map<String, Job> BUILD_IMAGES = Map.of("package:functions",
				new Job("package", "on_success", false), "package:front", new Job("package", "on_success", false));

		private static final Map<String, Job> PROMOTE = Map.of("package:promote",
				new Job("package", "on_success", false));

		private static final Map<String, Job> CONTAINER_SCANNING = Map.of("container_scanning",
				new Job("package", "on_success", true), "container_scanning:front",
				new Job("package", "on_success", true));

		private static final Map<Pipeline, Map<String, Job>> EXPECTED = Map.of(Pipeline.MERGE_REQUEST,
				merge(COMMON, BUILD_IMAGES, SCANNERS, CONTAINER_SCANNING,
						Map.of("preview", new Job("dev", "on_success", false), "preview:stop",
								new Job("dev", "manual", true))),
				Pipeline.DEFAULT_BRANCH,
				merge(COMMON, BUILD_IMAGES, SCANNERS, CONTAINER_SCANNING,
						Map.of("deploy:dev", new Job("dev", "on_success", false))),
				// The scanners' templates run on branches and MRs; a v* tag points at a
				// commit already scanned.
				Pipeline.TAG,
				merge(COMMON, PROMOTE,
						Map.of("deploy:staging", new Job("staging", "on_success", false), "deploy:prod",
								new Job("production", "manual", false), "rollback:prod",
								new Job("production", "manual", true))),
				// A deploy freeze stops every deployment, not the rollback.
				Pipeline.FROZEN_TAG,
				merge(COMMON, PROMOTE, Map.of("rollback:prod", new Job("production", "manual", true))));

		@SafeVarargs
		private static Map<String, Job> merge(Map<String, Job>... groups) {
			Map<String, Job> all = new TreeMap<>();
			for (Map<String, Job> group : groups) {
				all.putAll(group);
			}
			return all;
		}

		static Stream<Arguments> expectedJobs() {
			return Stream.of(Pipeline.values())
				.flatMap((pipeline) -> EXPECTED.get(pipeline)
					.entrySet()
					.stream()
					.map((job) -> Arguments.of(pipeline, job.getKey(), job.getValue())));
		}

		@ParameterizedTest(name = "{0} pipeline")
		@EnumSource(Pipeline.class)
		void createsExactlyTheExpectedJobs(Pipeline pipeline) {
			assertThat(GitlabCiLocal.jobs(pipeline).keySet()).as("%s pipeline: exactly the expected jobs", pipeline)
				.containsExactlyInAnyOrderElementsOf(EXPECTED.get(pipeline).keySet());
		}

		@ParameterizedTest(name = "{0} pipeline: {1} is {2}")
		@MethodSource("expectedJobs")
		void createsEachJobWithItsStageWhenAndAllowFailure(Pipeline pipeline, String job, Job expected) {
			assertThat(GitlabCiLocal.jobs(pipeline).get(job))
				.as("%s pipeline: %s is (stage, when, allow_failure) %s", pipeline, job, expected)
				.isEqualTo(expected);
		}

	}

	@Nested
	class DeployJobs {

		record Deploy(String environment, String resourceGroup, String steps) {
		}

		private static final Map<String, Deploy> DEPLOY = deploy();

		private static Map<String, Deploy> deploy() {
			Map<String, Deploy> deploy = new LinkedHashMap<>();
			deploy.put("deploy:dev", new Deploy("dev", "dev", "100"));
			// preview, preview:stop and deploy:dev all rewrite dev's traffic blocks: one
			// resource group.
			deploy.put("preview", new Deploy("review/$CI_COMMIT_REF_SLUG", "dev", null));
			deploy.put("preview:stop", new Deploy("review/$CI_COMMIT_REF_SLUG", "dev", null));
			deploy.put("deploy:staging", new Deploy("staging", "staging", "50,100"));
			deploy.put("deploy:prod", new Deploy("production", "production", "10,50,100"));
			deploy.put("rollback:prod", new Deploy("production", "production", null));
			return deploy;
		}

		static Stream<Arguments> deployJobs() {
			return DEPLOY.entrySet().stream().map((entry) -> Arguments.of(entry.getKey(), entry.getValue()));
		}

		static Stream<Arguments> deployJobsWithSteps() {
			return deployJobs().filter((arguments) -> ((Deploy) arguments.get()[1]).steps() != null);
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobs")
		void environment(String job, Deploy deploy) {
			assertThat(map(job(job), "environment").get("name")).as("%s: environment", job)
				.isEqualTo(deploy.environment());
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobs")
		void resourceGroup(String job, Deploy deploy) {
			assertThat(job(job).get("resource_group")).as("%s: resource_group", job).isEqualTo(deploy.resourceGroup());
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobs")
		void imageIsThePinnedDeployImage(String job) {
			assertThat(map(job(job), "image").get("name")).as("%s: image", job).isEqualTo("$DEPLOY_IMAGE");
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobs")
		void notInterruptible(String job) {
			assertThat(job(job).get("interruptible")).as("%s: interruptible", job).isEqualTo(false);
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobs")
		void runsOnTheInClusterDeployRunner(String job) {
			assertThat(job(job).get("tags")).as("%s: tags", job).isEqualTo(List.of("order-integration-deploy"));
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobs")
		void rulesPutEveryNeverGuardFirst(String job) {
			List<String> whens = list(job(job).get("rules")).stream()
				.map((rule) -> String.valueOf(asMap(rule).getOrDefault("when", "on_success")))
				.toList();
			int firstOther = 0;
			while (firstOther < whens.size() && whens.get(firstOther).equals("never")) {
				firstOther++;
			}
			assertThat(whens).as("%s: the rules' when", job).isNotEmpty();
			assertThat(whens.subList(firstOther, whens.size()))
				.as("%s: rules put every 'when: never' guard first: %s", job, whens)
				.doesNotContain("never");
		}

		@ParameterizedTest(name = "{0}")
		@MethodSource("deployJobsWithSteps")
		void rolloutSteps(String job, Deploy deploy) {
			assertThat(map(job(job), "variables").get("ROLLOUT_STEPS")).as("%s: --steps", job)
				.isEqualTo(deploy.steps());
		}

		@Test
		void everyJobWithAnEnvironmentHasAResourceGroup() {
			jobs().forEach((name, spec) -> {
				if (isTrue(spec.get("environment"))) {
					assertThat(isTrue(spec.get("resource_group")))
						.as("%s has an environment: resource_group %s", name, spec.get("resource_group"))
						.isTrue();
				}
			});
		}

		@Test
		void exactlyTheDeployJobsHaveAnEnvironment() {
			Set<String> withEnvironment = new TreeSet<>();
			jobs().forEach((name, spec) -> {
				if (isTrue(spec.get("environment"))) {
					withEnvironment.add(name);
				}
			});
			assertThat(withEnvironment).as("jobs with an environment")
				.containsExactlyInAnyOrderElementsOf(DEPLOY.keySet());
		}

		@Test
		void previewEnvironmentHasAnUrlStopsWithPreviewStopAfterAWeek() {
			Map<String, Object> environment = map(job("preview"), "environment");
			assertThat(isTrue(environment.get("url"))).as("preview: environment URL set: %s", environment).isTrue();
			assertThat(environment.get("on_stop")).as("preview: on_stop").isEqualTo("preview:stop");
			assertThat(environment.get("auto_stop_in")).as("preview: auto_stop_in").isEqualTo("1 week");
		}

		@Test
		void previewStopStopsTheEnvironment() {
			assertThat(map(job("preview:stop"), "environment").get("action")).as("preview:stop: environment action")
				.isEqualTo("stop");
		}

		@Test
		void deployProdIsManualAndBlocking() {
			List<Object> rules = list(job("deploy:prod").get("rules"));
			assertThat(rules).as("deploy:prod: rules").isNotEmpty();
			assertThat(asMap(rules.getLast()).get("when")).as("deploy:prod: the last rule's when").isEqualTo("manual");
			assertThat(job("deploy:prod").get("allow_failure")).as("deploy:prod: allow_failure").isEqualTo(false);
		}

		@Test
		void deployProdRequiresTheMetricsGate() {
			assertThat(map(job("deploy:prod"), "variables").get("ROLLOUT_REQUIRE_METRICS_GATE"))
				.as("deploy:prod: ROLLOUT_REQUIRE_METRICS_GATE")
				.isEqualTo("true");
		}

		@Test
		void deployProdNeedsDeployStaging() {
			assertThat(needs("deploy:prod")).as("deploy:prod: needs (staging before production)")
				.contains("deploy:staging");
		}

		@ParameterizedTest
		@ValueSource(strings = { "deploy:dev", "preview" })
		void getsTheImageDigestFromPackageFunctions(String job) {
			assertThat(needs(job)).as("%s: needs (the image digest, dotenv)", job).contains("package:functions");
		}

		@ParameterizedTest
		@ValueSource(strings = { "deploy:staging", "deploy:prod" })
		void getsTheDigestsDevRanFromPackagePromoteAndBuildsNothing(String job) {
			assertThat(needs(job)).as("%s: needs (the digests dev ran, dotenv; no build)", job)
				.contains("package:promote")
				.doesNotContain("package:functions", "package:front");
		}

		@Test
		void kubeContextComesFromTheGitlabAgent() {
			assertThat(map(job("deploy:dev"), "variables").get("KUBE_CONTEXT")).as("deploy:dev: KUBE_CONTEXT")
				.isEqualTo("$CI_PROJECT_PATH:$KUBE_AGENT");
		}

	}

	@Nested
	class Images {

		private static final Pattern PINNED = Pattern
			.compile("[\\w./-]+:(v?\\d+\\.\\d+\\.\\d+[\\w.-]*|[\\w.-]*@sha256:[0-9a-f]{64})");

		/**
		 * Every variable ending in _IMAGE that .gitlab-ci.yml itself defines (not the
		 * templates).
		 */
		static Set<String> imageVariables() {
			Map<String, Object> ci = asMap(new Yaml().load(Repository.read(".gitlab-ci.yml")));
			Set<String> names = new TreeSet<>();
			asMap(ci.get("variables")).keySet().stream().filter((name) -> name.endsWith("_IMAGE")).forEach(names::add);
			return names;
		}

		@Test
		void theImagesOfTheJobsAreVariables() {
			assertThat(imageVariables()).as("variables of .gitlab-ci.yml ending in _IMAGE")
				.contains("JAVA_IMAGE", "DEPLOY_IMAGE", "BUILDKIT_IMAGE", "CRANE_IMAGE");
		}

		@ParameterizedTest
		@MethodSource("imageVariables")
		void pinnedToAnExactTagOrDigest(String name) {
			Object variable = map(GitlabCiLocal.preview(), "variables").get(name);
			Object value = (variable instanceof Map<?, ?> spec) ? spec.get("value") : variable;
			String image = Objects.toString(value, "");
			assertThat(PINNED.matcher(image).matches() && !image.contains("latest"))
				.as("%s pinned to an exact tag or digest: %s", name, image)
				.isTrue();
		}

	}

	@Nested
	class TestAndPackageJobs {

		@Test
		void coverageRegexReadsCoverageShsTotalLine() {
			String coverage = String.valueOf(job("test").getOrDefault("coverage", "")).replaceAll("^/+|/+$", "");
			Pattern pattern = Pattern.compile(coverage);
			assertThat(pattern.matcher("functions line coverage: 91.0% (10 of 11 lines)\nTotal line coverage: 87.5%\n")
				.find()).as("test: coverage %s finds the total line in coverage.sh's output", coverage).isTrue();
			Matcher total = pattern.matcher("Total line coverage: 87.5%");
			assertThat(total.find() ? total.group() : null).as("test: coverage %s matches the total line", coverage)
				.isEqualTo("Total line coverage: 87.5%");
		}

		@Test
		void testHasSurefireAndFailsafeJunitReports() {
			List<String> junit = list(map(map(job("test"), "artifacts"), "reports").get("junit")).stream()
				.map(String::valueOf)
				.toList();
			assertThat(junit).as("test: JUnit reports")
				.anyMatch((path) -> path.contains("surefire-reports"))
				.anyMatch((path) -> path.contains("failsafe-reports"));
		}

		@Test
		void testHasAJacocoCoverageReport() {
			assertThat(map(map(map(job("test"), "artifacts"), "reports"), "coverage_report").get("coverage_format"))
				.as("test: coverage_report format")
				.isEqualTo("jacoco");
		}

		@Test
		void testCachesTheMavenRepository() {
			Object cache = job("test").get("cache");
			// GitLab takes a cache or a list of them.
			List<Object> caches = (cache instanceof Map<?, ?>) ? List.of(cache) : list(cache);
			assertThat(caches.stream().flatMap((each) -> list(asMap(each).get("paths")).stream()).map(String::valueOf))
				.as("test: cache paths %s", cache)
				.anyMatch((path) -> path.contains(".m2/repository"));
		}

		@Test
		void testRunsMavenVerify() {
			assertThat(Repository.read("scripts/ci/test.sh")).as("scripts/ci/test.sh").contains("./mvnw -B verify");
		}

		@Test
		void manifestsValidatesWithTheRolloutCli() {
			assertThat(Repository.read("scripts/ci/manifests.sh")).as("scripts/ci/manifests.sh")
				.contains("rollout validate");
		}

		@ParameterizedTest
		@ValueSource(strings = { "package:functions", "package:front" })
		void buildsWithRootlessBuildkitItsEntrypointOverridden(String job) {
			Map<String, Object> image = map(job(job), "image");
			assertThat(image.get("name")).as("%s: image", job).isEqualTo("$BUILDKIT_IMAGE");
			assertThat(image.get("entrypoint")).as("%s: entrypoint", job).isEqualTo(List.of(""));
			assertThat(String.valueOf(map(GitlabCiLocal.preview(), "variables").get("BUILDKIT_IMAGE")))
				.as("BUILDKIT_IMAGE")
				.contains("rootless");
		}

		@ParameterizedTest
		@ValueSource(strings = { "package:functions", "package:front" })
		void hasNoDockerInDockerService(String job) {
			assertThat(isTrue(job(job).get("services"))).as("%s: services %s", job, job(job).get("services")).isFalse();
		}

		@ParameterizedTest
		@ValueSource(strings = { "package:functions", "package:front" })
		void runsBuildkitDaemonlessWithoutProcessSandbox(String job) {
			assertThat(map(job(job), "variables").get("BUILDKITD_FLAGS")).as("%s: BUILDKITD_FLAGS", job)
				.isEqualTo("--oci-worker-no-process-sandbox");
		}

		@ParameterizedTest
		@ValueSource(strings = { "package:functions", "package:front" })
		void reportsTheDigestAsDotenv(String job) {
			assertThat(map(map(job(job), "artifacts"), "reports")).as("%s: reports", job).containsKey("dotenv");
		}

		@Test
		void packagePromoteResolvesFunctionsAndFrontWithPromoteImageSh() {
			assertThat(job("package:promote").get("script")).as("package:promote: script")
				.isEqualTo(List.of("scripts/ci/promote-image.sh functions front"));
		}

		@Test
		void packagePromoteRunsOnCraneItsEntrypointOverridden() {
			Map<String, Object> image = map(job("package:promote"), "image");
			assertThat(image.get("name")).as("package:promote: image").isEqualTo("$CRANE_IMAGE");
			assertThat(image.get("entrypoint")).as("package:promote: entrypoint").isEqualTo(List.of(""));
		}

		@Test
		void packagePromoteReportsTheDigestsAsDotenv() {
			assertThat(map(map(job("package:promote"), "artifacts"), "reports").get("dotenv"))
				.as("package:promote: dotenv report")
				.isIn("target/ci/promote.env", List.of("target/ci/promote.env"));
		}

		@ParameterizedTest
		@ValueSource(strings = { "container_scanning", "container_scanning:front" })
		void containerScanningScansThePushedImage(String job) {
			String image = job.equals("container_scanning") ? "functions" : "front";
			assertThat(map(job(job), "variables").get("CS_IMAGE")).as("%s: CS_IMAGE", job)
				.isEqualTo("$CI_REGISTRY_IMAGE/" + image + ":$CI_COMMIT_SHA");
		}

		@ParameterizedTest
		@ValueSource(strings = { "Jobs/SAST.gitlab-ci.yml", "Jobs/Secret-Detection.gitlab-ci.yml",
				"Jobs/Dependency-Scanning.gitlab-ci.yml", "Jobs/Container-Scanning.gitlab-ci.yml" })
		void includesGitlabsTemplate(String template) {
			List<Object> includes = list(GitlabCiLocal.preview().get("include")).stream()
				.filter(Map.class::isInstance)
				.map((include) -> asMap(include).get("template"))
				.toList();
			boolean included = Repository.read(".gitlab-ci.yml").contains("template: " + template)
					|| includes.contains(template);
			assertThat(included).as("includes the GitLab template %s", template).isTrue();
		}

	}

	@Nested
	class ScriptsBehindEveryJob {

		private static final Set<String> TEMPLATE_JOBS = Set.of("sast", "semgrep-sast", "secret_detection",
				"gemnasium-maven-dependency_scanning", "container_scanning", "container_scanning:front");

		private static final Pattern SCRIPT_LINE = Pattern.compile("scripts/ci/[\\w-]+\\.sh( .*)?");

		static Stream<String> projectJobs() {
			return jobs().keySet().stream().filter((name) -> !TEMPLATE_JOBS.contains(name));
		}

		@ParameterizedTest
		@MethodSource("projectJobs")
		void scriptOnlyCallsAnExecutableCiScript(String job) {
			List<String> lines = list(job(job).get("script")).stream().map(String::valueOf).toList();
			assertThat(lines).as("%s: script", job)
				.isNotEmpty()
				.allMatch((line) -> SCRIPT_LINE.matcher(line).matches(), "calls a scripts/ci/*.sh");
			Collection<String> scripts = lines.stream().map((line) -> line.split(" ")[0]).toList();
			assertThat(scripts).as("%s: its scripts are executable", job)
				.allMatch((script) -> Files.isExecutable(Repository.ROOT.resolve(script)), "executable");
		}

	}

	/** Python's truth of a YAML value: present and not empty, zero or false. */
	static boolean isTrue(Object value) {
		return switch (value) {
			case null -> false;
			case Boolean bool -> bool;
			case String string -> !string.isEmpty();
			case Collection<?> collection -> !collection.isEmpty();
			case Map<?, ?> map -> !map.isEmpty();
			case Number number -> number.doubleValue() != 0;
			default -> true;
		};
	}

}
