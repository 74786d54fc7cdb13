package com.acme.integration.checks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.acme.integration.checks.Repository.Result;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job scripts of scripts/ci/ (and the administrator's
 * scripts/bootstrap-namespace.sh), run with bash and sh as the jobs run them: the
 * commands they issue and the dotenv reports they write. Stand-ins
 * (src/test/resources/stand-ins/) replace what only exists in GitLab: java running the
 * rollout CLI against a cluster, kubectl, BuildKit's buildctl-daemonless.sh and crane.
 * They record every command in calls.log and what is applied from stdin in applied.yaml.
 */
final class JobScriptsTests {

	private static final Path CI = Repository.ROOT.resolve("scripts/ci");

	private static final String KUBE_CONTEXT = "acme/order-integration:order-integration";

	private static final String REGISTRY = "registry.example.test/acme/order-integration";

	private static final String FUNCTIONS = REGISTRY + "/functions@sha256:" + "a".repeat(64);

	private static final String FRONT = REGISTRY + "/front@sha256:" + "b".repeat(64);

	/**
	 * Variables the scripts and stand-ins read: removed unless a test sets them, so that
	 * a CI job running these tests (where GitLab sets CI_*) does not change their inputs.
	 */
	private static final List<String> INPUTS = List.of("ROLLOUT_ENV", "ROLLOUT_STEPS", "FUNCTIONS_IMAGE", "FRONT_IMAGE",
			"PROMETHEUS_URL", "ROLLOUT_INTERVAL", "ROLLOUT_SKIP_METRIC_GATES", "ROLLOUT_ALLOW_NO_TRAFFIC",
			"ROLLOUT_REQUIRE_METRICS_GATE", "ROLLOUT_FEATURES", "CI_MERGE_REQUEST_IID", "ROLLBACK_TO", "ROLLBACK_FRONT",
			"CI_JOB_STATUS", "CI_REGISTRY", "CI_REGISTRY_IMAGE", "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD",
			"CI_COMMIT_SHA", "CI_COMMIT_TAG", "CI_PROJECT_URL", "GITLAB_PROJECT_ID", "MONITORING_NAMESPACE",
			"KUBECTL_VERSION", "FAKE_JAVA_EXIT", "FAKE_CRANE_IMAGES", "FAKE_RENDERED", "FAKE_API_RESOURCES",
			"FAKE_LABELLED", "FAKE_ISSUER");

	private Path tmp;

	private Path calls;

	private Path applied;

	private Path out;

	private String jar;

	@BeforeEach
	void installStandIns(@TempDir Path tmp) throws IOException {
		this.tmp = tmp;
		this.calls = tmp.resolve("calls.log");
		this.applied = tmp.resolve("applied.yaml");
		this.out = tmp.resolve("out");
		this.jar = "java -jar " + tmp.resolve("rollout.jar");
		installStandIn("java", tmp.resolve("jdk/bin"));
		for (String name : List.of("kubectl", "buildctl-daemonless.sh", "crane")) {
			installStandIn(name, tmp.resolve("bin"));
		}
		Files.createDirectories(tmp.resolve("home"));
		Files.createFile(tmp.resolve("rollout.jar"));
		Path manifests = Files.createDirectories(tmp.resolve("manifests"));
		Files.writeString(manifests.resolve("dev.yaml"), resource("job-scripts/dev.yaml"));
		Files.writeString(manifests.resolve("prod.yaml"), "# prod without the front\n");
		reset();
	}

	@Nested
	class Deploy {

		@Test
		void deployToDevRunsTheRolloutCliWithTheFunctionsDigestInOneStep() {
			Result result = deployToDev(Map.of());
			assertThat(result.exitCode()).as("deploy.sh dev succeeds: %s", result.output()).isZero();
			assertThat(calls()).as("deploy.sh dev: rollout deploy of the functions by digest, --steps 100")
				.contains(jar + " deploy --env dev --manifest " + tmp.resolve("manifests/dev.yaml")
						+ " --steps 100 --image " + FUNCTIONS + " --selector app.kubernetes.io/name=functions");
		}

		@Test
		void deployToDevAppliesTheFrontByDigestWithTheAgentsContextAndWaitsForItsRollingUpdate() {
			deployToDev(Map.of());
			assertThat(calls()).as("deploy.sh dev: front objects applied with the agent's context")
				.contains("kubectl --context " + KUBE_CONTEXT + " apply --selector app.kubernetes.io/name=front -f -");
			assertThat(applied()).as("deploy.sh dev: front image set by digest")
				.contains("newName: registry.example.test/acme/order-integration/front");
			assertThat(applied()).as("deploy.sh dev: front digest").contains("digest: sha256:bbbbbbbb");
			assertThat(calls()).as("deploy.sh dev: waits for the front's rolling update")
				.contains("kubectl --context " + KUBE_CONTEXT
						+ " --namespace dev rollout status deployment/front --timeout=5m");
		}

		@Test
		void deployToDevWritesTheIngressHostAsTheEnvironmentUrl() {
			deployToDev(Map.of());
			assertThat(text(out.resolve("deploy.env")))
				.as("deploy.sh dev: environment URL (the Ingress host) as dotenv")
				.contains("DYNAMIC_ENVIRONMENT_URL=https://integration.dev.example.test");
		}

		@Test
		void deployToProdWithTheMetricsGateRequiredButNoPrometheusUrlFailsNamingItAndChangesNothing() {
			Result result = deployToProd(Map.of());
			assertThat(result.exitCode()).as("deploy.sh prod without PROMETHEUS_URL fails").isNotZero();
			assertThat(result.output()).as("deploy.sh prod without PROMETHEUS_URL names it").contains("PROMETHEUS_URL");
			assertThat(calls()).as("deploy.sh prod without PROMETHEUS_URL changes nothing").isEmpty();
		}

		@Test
		void deployToProdWithTheGateConfiguredRunsItsStepsWithTheSoakInterval() {
			Result result = deployToProd(Map.of("PROMETHEUS_URL", "http://prometheus.test", "ROLLOUT_INTERVAL", "5m"));
			assertThat(result.exitCode()).as("deploy.sh prod succeeds with the gate configured: %s", result.output())
				.isZero();
			assertThat(calls())
				.as("deploy.sh prod: --steps 10,50,100 with the soak interval (prod's cluster features travel in the manifest)")
				.contains(jar + " deploy --env prod --manifest " + tmp.resolve("manifests/prod.yaml")
						+ " --steps 10,50,100 --interval 5m --image " + FUNCTIONS);
		}

		@Test
		void deployToProdWithoutIngressOrFrontInTheManifestWritesAnEmptyDotenvAndRunsNoKubectl() {
			deployToProd(Map.of("PROMETHEUS_URL", "http://prometheus.test", "ROLLOUT_INTERVAL", "5m"));
			assertThat(text(out.resolve("deploy.env"))).as("deploy.sh prod: no Ingress in the manifest, empty dotenv")
				.isEmpty();
			assertThat(calls()).as("deploy.sh prod: no front in the manifest, no kubectl").doesNotContain("kubectl");
		}

		@Test
		void deployToProdRefusesAllowNoTrafficNamingItAndChangesNothing() {
			Result result = deployToProd(
					Map.of("PROMETHEUS_URL", "http://prometheus.test", "ROLLOUT_ALLOW_NO_TRAFFIC", "true"));
			assertThat(result.exitCode()).as("deploy.sh prod refuses ROLLOUT_ALLOW_NO_TRAFFIC").isNotZero();
			assertThat(result.output()).as("deploy.sh prod refusing ROLLOUT_ALLOW_NO_TRAFFIC names it")
				.contains("ROLLOUT_ALLOW_NO_TRAFFIC=true is refused");
			assertThat(calls()).as("deploy.sh prod refusing ROLLOUT_ALLOW_NO_TRAFFIC changes nothing").isEmpty();
		}

		@Test
		void deployToProdRefusesSkipMetricGatesAndChangesNothing() {
			Result result = deployToProd(
					Map.of("PROMETHEUS_URL", "http://prometheus.test", "ROLLOUT_SKIP_METRIC_GATES", "true"));
			assertThat(result.exitCode()).as("deploy.sh prod refuses ROLLOUT_SKIP_METRIC_GATES").isNotZero();
			assertThat(calls()).as("deploy.sh prod refusing ROLLOUT_SKIP_METRIC_GATES changes nothing").isEmpty();
			assertThat(calls()).as("deploy.sh prod never passes --allow-no-traffic or --skip-metric-gates")
				.doesNotContain("--allow-no-traffic", "--skip-metric-gates");
		}

		@Test
		void deployToDevPassesSkipMetricGatesAndAllowNoTrafficAsTheCliFlags() {
			deployToDev(Map.of("ROLLOUT_SKIP_METRIC_GATES", "true", "ROLLOUT_ALLOW_NO_TRAFFIC", "true"));
			assertThat(calls())
				.as("deploy.sh dev: ROLLOUT_SKIP_METRIC_GATES and ROLLOUT_ALLOW_NO_TRAFFIC become the CLI's flags")
				.contains("--steps 100 --skip-metric-gates --allow-no-traffic --image " + FUNCTIONS);
		}

		@Test
		void deployWithoutFunctionsImageFailsNamingIt() {
			Result result = runScript("deploy.sh",
					Map.of("ROLLOUT_ENV", "dev", "ROLLOUT_STEPS", "100", "FRONT_IMAGE", FRONT));
			assertThat(result.exitCode()).as("deploy.sh without FUNCTIONS_IMAGE fails").isNotZero();
			assertThat(result.output()).as("deploy.sh without FUNCTIONS_IMAGE fails naming it")
				.contains("FUNCTIONS_IMAGE");
		}

		@Test
		void deployFailsWhenTheRolloutFailsAndLeavesTheFrontAlone() {
			Result result = deployToDev(Map.of("FAKE_JAVA_EXIT", "1"));
			assertThat(result.exitCode()).as("deploy.sh fails when the rollout fails (gate, timeout)").isNotZero();
			assertThat(calls()).as("deploy.sh leaves the front alone when the functions' rollout failed")
				.doesNotContain("apply");
		}

		private Result deployToDev(Map<String, String> variables) {
			return runScript("deploy.sh", with(variables, "ROLLOUT_ENV", "dev", "ROLLOUT_STEPS", "100",
					"FUNCTIONS_IMAGE", FUNCTIONS, "FRONT_IMAGE", FRONT));
		}

		private Result deployToProd(Map<String, String> variables) {
			return runScript("deploy.sh", with(variables, "ROLLOUT_ENV", "prod", "ROLLOUT_STEPS", "10,50,100",
					"ROLLOUT_REQUIRE_METRICS_GATE", "true", "FUNCTIONS_IMAGE", FUNCTIONS, "FRONT_IMAGE", FRONT));
		}

	}

	@Nested
	class Preview {

		@Test
		void previewCreateRunsARolloutPreviewInDevNamedAfterTheMergeRequest() {
			Result result = runScript("preview.sh", Map.of("CI_MERGE_REQUEST_IID", "42", "FUNCTIONS_IMAGE", FUNCTIONS),
					"create");
			assertThat(result.exitCode()).as("preview.sh create succeeds: %s", result.output()).isZero();
			assertThat(calls()).as("preview.sh create: rollout preview mr-42 in dev")
				.contains(jar + " preview --env dev --name mr-42 --image " + FUNCTIONS);
		}

		@Test
		void previewCreateWritesThePreviewsPathOnDevsFrontAsTheEnvironmentUrl() {
			runScript("preview.sh", Map.of("CI_MERGE_REQUEST_IID", "42", "FUNCTIONS_IMAGE", FUNCTIONS), "create");
			assertThat(text(out.resolve("preview.env")))
				.as("preview.sh create: the preview's path on dev's front as dotenv")
				.contains(
						"DYNAMIC_ENVIRONMENT_URL=https://integration.dev.acme.example/integrations/previews/mr-42/order");
		}

		@Test
		void previewDeleteDeletesTheRolloutPreview() {
			runScript("preview.sh", Map.of("CI_MERGE_REQUEST_IID", "42"), "delete");
			assertThat(calls()).as("preview.sh delete: rollout preview --delete")
				.contains(jar + " preview --env dev --name mr-42 --delete");
		}

	}

	@Nested
	class Rollback {

		@Test
		void rollbackMovesTheTrafficToThePreviousStableRevisionPrintsTheStatusAndLeavesTheFrontAlone() {
			runScript("rollback.sh", Map.of("ROLLOUT_ENV", "prod"));
			assertThat(calls()).as("rollback.sh: rollout rollback to the previous stable revision")
				.contains(jar + " rollback --env prod");
			assertThat(calls()).as("rollback.sh: prints the status").contains(jar + " status --env prod");
			assertThat(calls()).as("rollback.sh: front untouched by default").doesNotContain("kubectl");
		}

		@Test
		void rollbackGoesToRollbackToAndUndoesTheFrontWhenRollbackFrontIsTrue() {
			runScript("rollback.sh",
					Map.of("ROLLOUT_ENV", "prod", "ROLLBACK_TO", "order-webhook-1a2b3c4", "ROLLBACK_FRONT", "true"));
			assertThat(calls()).as("rollback.sh: --to ROLLBACK_TO")
				.contains(jar + " rollback --env prod --to order-webhook-1a2b3c4");
			assertThat(calls()).as("rollback.sh: ROLLBACK_FRONT=true undoes deployment/front")
				.contains("kubectl --context " + KUBE_CONTEXT + " --namespace prod rollout undo deployment/front");
		}

		@Test
		void afterCancelOfAFailedJobChangesNothing() {
			runScript("rollback.sh", Map.of("CI_JOB_STATUS", "failed", "ROLLOUT_ENV", "prod"), "--after-cancel");
			assertThat(calls()).as("rollback.sh --after-cancel: a failed (not cancelled) job changes nothing")
				.isEmpty();
		}

		@Test
		void afterCancelOfAJobWithoutRolloutEnvChangesNothing() {
			runScript("rollback.sh", Map.of("CI_JOB_STATUS", "canceled"), "--after-cancel");
			assertThat(calls()).as("rollback.sh --after-cancel: a job without ROLLOUT_ENV (preview) changes nothing")
				.isEmpty();
		}

		@Test
		void afterCancelOfACancelledDeployRollsBackOnlyItsUnfinishedRollout() {
			runScript("rollback.sh", Map.of("CI_JOB_STATUS", "canceled", "ROLLOUT_ENV", "prod"), "--after-cancel");
			assertThat(calls()).as("rollback.sh --after-cancel: a cancelled deploy's unfinished rollout goes back")
				.contains(jar + " rollback --env prod --only-unfinished");
			assertThat(calls()).as("rollback.sh --after-cancel: nothing else").doesNotContain("status");
		}

	}

	@Nested
	class Manifests {

		private static final String FEATURE = "kubernetes.podspec-securitycontext";

		@Test
		void manifestsRendersEveryOverlayAndTheAlertRules() {
			Path rendered = tmp.resolve("rendered");
			Result result = renderManifests(rendered);
			assertThat(result.exitCode()).as("manifests.sh succeeds: %s", result.output()).isZero();
			assertThat(overlays()).as("overlays in knative/overlays/").isNotEmpty();
			for (String env : overlays()) {
				assertThat(calls()).as("manifests.sh renders %s", env)
					.contains("kubectl kustomize knative/overlays/" + env + "/");
				assertThat(rendered.resolve(env + ".yaml")).as("manifests.sh writes %s.yaml", env).isNotEmptyFile();
			}
			assertThat(calls()).as("manifests.sh renders and validates the alert rules")
				.contains("kubectl kustomize knative/monitoring");
			assertThat(rendered.resolve("monitoring.yaml")).as("manifests.sh writes monitoring.yaml").isNotEmptyFile();
		}

		@Test
		void manifestsValidatesEveryOverlayWithRolloutValidateFromStdin() {
			renderManifests(tmp.resolve("rendered"));
			Pattern validate = Pattern
				.compile(Pattern.quote(jar + " validate --feature " + FEATURE) + "[,a-z.-]*" + Pattern.quote(" -f -"));
			assertThat(calls().lines().filter(line -> validate.matcher(line).find()).count())
				.as("manifests.sh validates every overlay with rollout validate -f -")
				.isEqualTo(overlays().size());
		}

		@Test
		void manifestsPassesRolloutFeaturesAlone() {
			renderManifests(tmp.resolve("rendered"));
			assertThat(calls())
				.as("manifests.sh passes ROLLOUT_FEATURES alone (prod's own prerequisites travel in the manifest)")
				.doesNotContain("kubernetes.podspec-topologyspreadconstraints");
		}

		private Result renderManifests(Path rendered) {
			return runScript("manifests.sh", Map.of("MANIFESTS_DIR", rendered.toString(), "ROLLOUT_FEATURES", FEATURE));
		}

		private List<String> overlays() {
			try (Stream<Path> entries = Files.list(Repository.ROOT.resolve("knative/overlays"))) {
				return entries.filter(Files::isDirectory).map(dir -> dir.getFileName().toString()).sorted().toList();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

	/**
	 * An administrator's script, with a kubectl stand-in of its own
	 * (stand-ins/bootstrap/kubectl).
	 */
	@Nested
	class BootstrapNamespace {

		private static final String ALL_LABELS = "networking.acme.example/knative-data-plane "
				+ "networking.acme.example/public-ingress networking.acme.example/metrics-scraper";

		private static final String POD_MONITORS = "podmonitors   pmon   monitoring.coreos.com/v1   true   PodMonitor\n";

		private Path served;

		@BeforeEach
		void installTheAdministratorsKubectl() throws IOException {
			installStandIn("bootstrap/kubectl", tmp.resolve("bootstrap-bin"));
			Files.writeString(tmp.resolve("rendered.yaml"), resource("job-scripts/bootstrap-rendered.yaml"));
			this.served = tmp.resolve("api-resources.txt");
			Files.writeString(this.served, resource("job-scripts/bootstrap-api-resources.txt"));
		}

		@Test
		void bootstrapRefusesAManifestWhoseCrdIsMissingNamingWhatInstallsItAndAppliesNothing() {
			Result result = bootstrap(
					Map.of("FAKE_LABELLED", ALL_LABELS, "FAKE_ISSUER", "yes", "GITLAB_PROJECT_ID", "4711"), "prod");
			assertThat(result.exitCode()).as("bootstrap-namespace.sh refuses a manifest whose CRD is missing")
				.isNotZero();
			assertThat(result.output()).as("bootstrap-namespace.sh names the missing kind and what installs it")
				.contains("error: PodMonitor monitoring.coreos.com/v1 is not served by this cluster: "
						+ "install the prometheus-operator CRDs");
			assertThat(applied()).as("bootstrap-namespace.sh applies nothing when a CRD is missing").isEmpty();
		}

		@Test
		void bootstrapRefusesUnlabelledNamespacesTheNetworkPoliciesDependOnAndAppliesNothing() throws IOException {
			serveEveryKind();
			Result result = bootstrap(Map.of("FAKE_LABELLED", "networking.acme.example/knative-data-plane",
					"FAKE_ISSUER", "yes", "GITLAB_PROJECT_ID", "4711"), "prod");
			assertThat(result.output())
				.as("bootstrap-namespace.sh refuses unlabelled namespaces the NetworkPolicies depend on")
				.contains("no namespace labelled networking.acme.example/public-ingress "
						+ "networking.acme.example/metrics-scraper=true");
			assertThat(applied()).as("bootstrap-namespace.sh applies nothing without the namespace labels").isEmpty();
		}

		@Test
		void bootstrapRefusesAnIngressWhoseClusterIssuerIsMissing() throws IOException {
			serveEveryKind();
			Result result = bootstrap(Map.of("FAKE_LABELLED", ALL_LABELS, "GITLAB_PROJECT_ID", "4711"), "prod");
			assertThat(result.output()).as("bootstrap-namespace.sh refuses an Ingress whose ClusterIssuer is missing")
				.contains("no ClusterIssuer public");
		}

		@Test
		void bootstrapNeedsGitlabProjectId() throws IOException {
			serveEveryKind();
			Result result = bootstrap(Map.of("FAKE_LABELLED", ALL_LABELS, "FAKE_ISSUER", "yes"), "prod");
			assertThat(result.exitCode()).as("bootstrap-namespace.sh fails without GITLAB_PROJECT_ID").isNotZero();
			assertThat(result.output()).as("bootstrap-namespace.sh needs GITLAB_PROJECT_ID")
				.contains("GITLAB_PROJECT_ID");
		}

		@Test
		void bootstrapOfProdAppliesAllButTheDeployJobsObjectsAndBindsTheProductionEnvironmentsCiJobs()
				throws IOException {
			serveEveryKind();
			Result result = bootstrap(
					Map.of("FAKE_LABELLED", ALL_LABELS, "FAKE_ISSUER", "yes", "GITLAB_PROJECT_ID", "4711"), "prod");
			assertThat(result.exitCode())
				.as("bootstrap-namespace.sh prod succeeds with every prerequisite: %s", result.output())
				.isZero();
			assertThat(applied()).as("bootstrap-namespace.sh applies all but the deploy jobs' objects")
				.contains("applied: apply -l app.kubernetes.io/name notin (functions,front) -f");
			assertThat(applied())
				.as("bootstrap-namespace.sh binds prod's deployer to the production environment's CI jobs")
				.contains("create rolebinding deployer-gitlab-ci --role=deployer "
						+ "--group=gitlab:project_env:4711:production");
		}

		@Test
		void bootstrapOfDevBindsTheDevelopmentTier() throws IOException {
			serveEveryKind();
			bootstrap(Map.of("FAKE_LABELLED", ALL_LABELS, "FAKE_ISSUER", "yes", "GITLAB_PROJECT_ID", "4711"), "dev");
			assertThat(applied())
				.as("bootstrap-namespace.sh binds dev's deployer to the development tier (dev and review/*)")
				.contains("--group=gitlab:project_env_tier:4711:development");
		}

		private void serveEveryKind() throws IOException {
			Files.writeString(this.served, POD_MONITORS, StandardOpenOption.APPEND);
		}

		private Result bootstrap(Map<String, String> variables, String env) {
			Map<String, String> environment = with(variables, "PATH",
					tmp.resolve("bootstrap-bin") + ":" + tmp.resolve("bin") + ":" + System.getenv("PATH"),
					"FAKE_RENDERED", tmp.resolve("rendered.yaml").toString(), "FAKE_API_RESOURCES",
					this.served.toString());
			return run(List.of(Repository.ROOT.resolve("scripts/bootstrap-namespace.sh").toString(), env), environment);
		}

	}

	/** Plain sh, as in the Alpine-based BuildKit image. */
	@Nested
	class BuildImage {

		private static final String IMAGE = REGISTRY + "/functions";

		@Test
		void buildImageSucceedsUnderShWithARootlessDaemonlessBuildOfTheDockerfileInTheRootContext() {
			Result result = buildFunctions();
			assertThat(result.exitCode()).as("build-image.sh succeeds under sh: %s", result.output()).isZero();
			assertThat(calls())
				.as("build-image.sh: rootless daemonless build of functions/Dockerfile in the root context")
				.contains("buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. "
						+ "--local dockerfile=functions");
		}

		@Test
		void buildImageImportsAndExportsTheRegistryBuildCache() {
			buildFunctions();
			assertThat(calls()).as("build-image.sh: registry cache import")
				.contains("--import-cache type=registry,ref=" + IMAGE + ":buildcache");
			assertThat(calls()).as("build-image.sh: registry cache export")
				.contains("--export-cache type=registry,ref=" + IMAGE + ":buildcache,mode=max");
		}

		@Test
		void buildImagePushesTheCommitShaAndTheTag() {
			buildFunctions();
			assertThat(calls()).as("build-image.sh: pushes :$CI_COMMIT_SHA and the tag")
				.contains("--output type=image,\"name=" + IMAGE + ":0123abcd," + IMAGE + ":v1.2.3\",push=true");
		}

		@Test
		void buildImageWritesThePushedDigestAsDotenv() {
			buildFunctions();
			assertThat(text(tmp.resolve("ctx/target/ci/functions.env"))).as("build-image.sh: digest as dotenv")
				.contains("FUNCTIONS_IMAGE=" + IMAGE + "@sha256:" + "abcdef".repeat(10) + "abcd");
		}

		@Test
		void buildImageWritesTheRegistryCredentialsForBuildKit() {
			buildFunctions();
			String auth = Base64.getEncoder()
				.encodeToString("gitlab-ci-token:job-token".getBytes(StandardCharsets.UTF_8));
			assertThat(text(tmp.resolve("home/.docker/config.json")))
				.as("build-image.sh: registry credentials for BuildKit")
				.contains("\"registry.example.test\":{\"auth\":\"" + auth + "\"}");
		}

		/** In a context directory of its own, where it writes target/ci/. */
		private Result buildFunctions() {
			Path context = tmp.resolve("ctx");
			try {
				Files.createDirectories(context);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			return run(
					List.of("sh", "-c", "cd \"$1\" && exec sh \"$2\" functions functions .", "sh", context.toString(),
							CI.resolve("build-image.sh").toString()),
					with(Map.of(), "CI_REGISTRY", "registry.example.test", "CI_REGISTRY_IMAGE", REGISTRY,
							"CI_REGISTRY_USER", "gitlab-ci-token", "CI_REGISTRY_PASSWORD", "job-token", "CI_COMMIT_SHA",
							"0123abcd", "CI_COMMIT_TAG", "v1.2.3"));
		}

	}

	@Nested
	class Coverage {

		private static final String HEADER = "GROUP,PACKAGE,CLASS,INSTRUCTION_MISSED,INSTRUCTION_COVERED,BRANCH_MISSED,"
				+ "BRANCH_COVERED,LINE_MISSED,LINE_COVERED,COMPLEXITY_MISSED,COMPLEXITY_COVERED,METHOD_MISSED,METHOD_COVERED";

		@Test
		void coverageReportsTheTotalOverAllModulesAndEachModule() throws IOException {
			Result result = coverageOfTwoModules();
			assertThat(result.output()).as("coverage.sh: total over all modules (90 of 100 lines)")
				.contains("Total line coverage: 90.0%");
			assertThat(result.output()).as("coverage.sh: per module")
				.contains("a line coverage: 75.0% (30 of 40 lines)");
		}

		@Test
		void theTestJobsCoverageRegexMatchesTheTotalLine() throws IOException {
			Result result = coverageOfTwoModules();
			Matcher declared = Pattern.compile("(?m)^  coverage: '/(.*)/'$").matcher(Repository.read(".gitlab-ci.yml"));
			assertThat(declared.find()).as("the test job of .gitlab-ci.yml declares a coverage regex").isTrue();
			Matcher total = Pattern.compile(declared.group(1)).matcher(result.output());
			assertThat(total.find() ? total.group() : null)
				.as("coverage.sh: the test job's coverage regex matches its total line")
				.isEqualTo("Total line coverage: 90.0%");
		}

		/** Module a: 30 of 40 lines in two classes; module b: 60 of 60. */
		private Result coverageOfTwoModules() throws IOException {
			Path modules = tmp.resolve("cov");
			jacocoReport(modules.resolve("a"), "a,p,C1,0,0,0,0,10,20,0,0,0,0", "a,p,C2,0,0,0,0,0,10,0,0,0,0");
			jacocoReport(modules.resolve("b"), "b,p,C3,0,0,0,0,0,60,0,0,0,0");
			return run(List.of(CI.resolve("coverage.sh").toString(), modules.toString()), Map.of());
		}

		private void jacocoReport(Path module, String... rows) throws IOException {
			Path report = module.resolve("target/site/jacoco/jacoco.csv");
			Files.createDirectories(report.getParent());
			Files.writeString(report, HEADER + "\n" + String.join("\n", rows) + "\n");
		}

	}

	/** Plain sh, as in crane's busybox debug image. */
	@Nested
	class PromoteImage {

		private static final String SHA = "0123abcd";

		private static final String FUNCTIONS_DIGEST = "sha256:" + "c".repeat(64);

		private static final String FRONT_DIGEST = "sha256:" + "d".repeat(64);

		private static final String BOTH_PUSHED = REGISTRY + "/functions:" + SHA + "=" + FUNCTIONS_DIGEST + " "
				+ REGISTRY + "/front:" + SHA + "=" + FRONT_DIGEST;

		@Test
		void promoteSucceedsUnderShAndBuildsNothingWhenMainPushedTheCommitsImages() {
			Result result = promote(BOTH_PUSHED);
			assertThat(result.exitCode())
				.as("promote-image.sh succeeds under sh when main pushed the commit's images: %s", result.output())
				.isZero();
			assertThat(calls()).as("promote-image.sh: builds nothing").doesNotContain("buildctl");
		}

		@Test
		void promoteLogsInToTheRegistryAndResolvesTheImagesOfTheCommit() {
			promote(BOTH_PUSHED);
			assertThat(calls()).as("promote-image.sh: logs in to the registry")
				.contains("crane auth login registry.example.test --username gitlab-ci-token --password-stdin");
			assertThat(calls()).as("promote-image.sh: resolves functions:$CI_COMMIT_SHA")
				.contains("crane digest " + REGISTRY + "/functions:" + SHA);
			assertThat(calls()).as("promote-image.sh: resolves front:$CI_COMMIT_SHA")
				.contains("crane digest " + REGISTRY + "/front:" + SHA);
		}

		@Test
		void promoteWritesTheDigestsDevRanAsDotenvAndTagsThemWithTheReleaseTag() {
			promote(BOTH_PUSHED);
			String report = text(out.resolve("promote.env"));
			assertThat(report).as("promote-image.sh: FUNCTIONS_IMAGE is the digest dev ran (dotenv)")
				.contains("FUNCTIONS_IMAGE=" + REGISTRY + "/functions@" + FUNCTIONS_DIGEST);
			assertThat(report).as("promote-image.sh: FRONT_IMAGE is the digest dev ran (dotenv)")
				.contains("FRONT_IMAGE=" + REGISTRY + "/front@" + FRONT_DIGEST);
			assertThat(calls()).as("promote-image.sh: tags that digest with the release tag")
				.contains("crane tag " + REGISTRY + "/functions@" + FUNCTIONS_DIGEST + " v1.2.3");
		}

		@Test
		void deployDeploysThePromotedDigests() {
			promote(BOTH_PUSHED);
			String report = text(out.resolve("promote.env"));
			String functions = dotenvValue(report, "FUNCTIONS_IMAGE");
			String front = dotenvValue(report, "FRONT_IMAGE");
			reset();
			runScript("deploy.sh", with(Map.of(), "ROLLOUT_ENV", "dev", "ROLLOUT_STEPS", "100", "FUNCTIONS_IMAGE",
					functions, "FRONT_IMAGE", front));
			assertThat(calls()).as("deploy.sh deploys the promoted functions digest")
				.contains("--image " + REGISTRY + "/functions@" + FUNCTIONS_DIGEST);
			assertThat(applied()).as("deploy.sh deploys the promoted front digest").contains("digest: " + FRONT_DIGEST);
		}

		@Test
		void promoteFailsNamingTheMissingImageWhenTheCommitHasNoneAndPromotesNothing() {
			Result result = promote(REGISTRY + "/functions:" + SHA + "=" + FUNCTIONS_DIGEST);
			assertThat(result.exitCode())
				.as("promote-image.sh fails when the commit has no image (tag not on a commit from main)")
				.isNotZero();
			assertThat(result.output()).as("promote-image.sh names the missing image")
				.contains(REGISTRY + "/front:" + SHA
						+ " does not exist: tags must be on commits whose default-branch pipeline pushed its images");
			assertThat(calls()).as("promote-image.sh tags nothing when an image is missing")
				.doesNotContain("crane tag");
			assertThat(out.resolve("promote.env")).as("promote-image.sh writes no dotenv when an image is missing")
				.doesNotExist();
		}

		private Result promote(String pushedImages) {
			return run(List.of("sh", CI.resolve("promote-image.sh").toString(), "functions", "front"),
					with(Map.of(), "FAKE_CRANE_IMAGES", pushedImages, "CI_REGISTRY", "registry.example.test",
							"CI_REGISTRY_IMAGE", REGISTRY, "CI_REGISTRY_USER", "gitlab-ci-token",
							"CI_REGISTRY_PASSWORD", "job-token", "CI_COMMIT_SHA", SHA, "CI_COMMIT_TAG", "v1.2.3"));
		}

		/** What {@code sed -n 's/^NAME=//p'} prints: the values of NAME's lines. */
		private static String dotenvValue(String report, String name) {
			return String.join("\n",
					report.lines()
						.filter(line -> line.startsWith(name + "="))
						.map(line -> line.substring(name.length() + 1))
						.toList());
		}

	}

	/** Starts every check from no calls, nothing applied and no dotenv report. */
	private void reset() {
		try {
			Repository.delete(this.out);
			Files.writeString(this.calls, "");
			Files.writeString(this.applied, "");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private Result runScript(String script, Map<String, String> variables, String... arguments) {
		List<String> command = Stream.concat(Stream.of(CI.resolve(script).toString()), Stream.of(arguments)).toList();
		return run(command, variables);
	}

	/**
	 * Runs a command in the repository root with the stand-ins first on PATH, the
	 * variables every check shares, and the given ones.
	 */
	private Result run(List<String> command, Map<String, String> variables) {
		Map<String, String> environment = new HashMap<>();
		INPUTS.forEach(name -> environment.put(name, null));
		environment.put("CALLS", this.calls.toString());
		environment.put("APPLIED", this.applied.toString());
		environment.put("JAVA_HOME", this.tmp.resolve("jdk").toString());
		environment.put("PATH", this.tmp.resolve("bin") + ":" + System.getenv("PATH"));
		environment.put("HOME", this.tmp.resolve("home").toString());
		environment.put("ROLLOUT_JAR", this.tmp.resolve("rollout.jar").toString());
		environment.put("MANIFESTS_DIR", this.tmp.resolve("manifests").toString());
		environment.put("CI_OUTPUT_DIR", this.out.toString());
		environment.put("KUBE_CONTEXT", KUBE_CONTEXT);
		environment.putAll(variables);
		return Repository.run(command, environment, Duration.ofMinutes(1));
	}

	private String calls() {
		return text(this.calls);
	}

	private String applied() {
		return text(this.applied);
	}

	/** A file's text, empty when it does not exist (as grep and test -s see it). */
	private static String text(Path file) {
		try {
			return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The given variables plus the pairs of names and values, which they override. */
	private static Map<String, String> with(Map<String, String> variables, String... namesAndValues) {
		Map<String, String> all = new HashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			all.put(namesAndValues[i], namesAndValues[i + 1]);
		}
		all.putAll(variables);
		return all;
	}

	/**
	 * A stand-in from stand-ins/, executable in dir (the resource on the class path is
	 * not).
	 */
	private static void installStandIn(String name, Path dir) throws IOException {
		Files.createDirectories(dir);
		Path file = dir.resolve(Path.of(name).getFileName().toString());
		Files.writeString(file, resource("stand-ins/" + name));
		if (!file.toFile().setExecutable(true)) {
			throw new IOException("could not make " + file + " executable");
		}
	}

	private static String resource(String name) throws IOException {
		return Files.readString(Repository.resource(name), StandardCharsets.UTF_8);
	}

}
