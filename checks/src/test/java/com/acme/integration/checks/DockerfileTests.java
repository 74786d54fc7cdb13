package com.acme.integration.checks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What functions/Dockerfile and the image scripts promise: pinned bases, a numeric user, no baked-in configuration,
 * and the build, AOT training and launch done by scripts/image/prepare-functions.sh and run-functions.sh. The
 * images themselves are built and run by scripts/image/test-images.sh.
 */
final class DockerfileTests {

	private static final Pattern EXACT_RELEASE = Pattern
		.compile("^[\\w./-]+:\\d+\\.\\d+\\.\\d+[\\w.-]*(@sha256:[0-9a-f]{64})?$|^[\\w./-]+@sha256:[0-9a-f]{64}$");

	private final String dockerfile = Repository.read("functions/Dockerfile");

	/** The build stage: between the first and the second FROM. */
	private final String buildStage = this.dockerfile.split("\nFROM ", -1)[1];

	/** The runtime stage: after the last FROM. */
	private final String runtimeStage = this.dockerfile.substring(this.dockerfile.lastIndexOf("\nFROM "));

	private final String run = Repository.read("scripts/image/run-functions.sh");

	private final String prepare = Repository.read("scripts/image/prepare-functions.sh");

	@Nested
	class Bases {

		/** Every FROM, with an ARG reference replaced by the ARG's default (what every build but the local one uses). */
		private List<String> froms() {
			Map<String, String> defaults = matches("(?m)^ARG\\s+(\\w+)=(\\S+)", DockerfileTests.this.dockerfile)
				.collect(Collectors.toMap(m -> m.group(1), m -> m.group(2)));
			return matches("(?m)^FROM\\s+(\\S+)", DockerfileTests.this.dockerfile).map(m -> m.group(1))
				.map(from -> from.matches("\\$\\{\\w+}") ? defaults.getOrDefault(from.substring(2, from.length() - 1), from)
						: from)
				.toList();
		}

		@Test
		void everyBaseIsPinnedToAnExactRelease() {
			assertThat(froms()).as("the bases, ARG defaults resolved").isNotEmpty()
				.allSatisfy(from -> assertThat(from).as("a base pinned to an exact release or digest")
					.matches(EXACT_RELEASE));
		}

		@Test
		void buildsOnJdk25AndRunsOnJre25() {
			List<String> froms = froms();
			assertThat(froms).as("a multi-stage build").hasSizeGreaterThanOrEqualTo(2);
			assertThat(froms.getFirst()).as("the build stage's base").contains("25.").contains("jdk");
			assertThat(froms.getLast()).as("the runtime base").contains("25.").contains("jre");
		}

	}

	@Nested
	class Build {

		@Test
		void buildsTheFunctionsAndTheTestkitWithTheMavenWrapper() {
			assertThat(DockerfileTests.this.dockerfile)
				.as("the functions and the testkit (its AOT training client) built with ./mvnw")
				.containsPattern("\\./mvnw .*-pl functions,testkit -am package -DskipTests");
		}

		@Test
		void runsSpringAotPerServiceInTheJdkStageAndTrainsTheCachesInTheRuntimeStage() {
			assertThat(DockerfileTests.this.buildStage).contains("prepare-functions.sh --build");
			assertThat(DockerfileTests.this.runtimeStage).contains("prepare-functions.sh --train")
				.contains("COPY --from=build");
		}

		@Test
		void trainsWithTheTestkitJarBindMountedNeverCopied() {
			assertThat(DockerfileTests.this.buildStage).as("the build stage builds the testkit").contains("testkit");
			assertThat(DockerfileTests.this.runtimeStage).contains("AOT_TRAINING_JAR=")
				.contains("type=bind")
				.contains("testkit.jar");
		}

		@Test
		void extractsAndTrainsWithPrepareFunctions() {
			assertThat(DockerfileTests.this.dockerfile).contains("scripts/image/prepare-functions.sh");
			assertThat(DockerfileTests.this.runtimeStage).contains("prepare-functions.sh");
		}

		@Test
		void everyFileItCopiesExists() {
			List<String> sources = matches("(?m)^COPY\\s+(?!--)(.+)\\s+\\S+$", DockerfileTests.this.runtimeStage)
				.flatMap(m -> Arrays.stream(m.group(1).trim().split("\\s+")))
				.toList();
			assertThat(sources).as("what the runtime stage copies from the context").isNotEmpty()
				.allSatisfy(source -> assertThat(Repository.exists(source)).as(source + " exists").isTrue());
		}

		@Test
		void theContextLeavesOutGitAndBuildOutputs() {
			assertThat(Repository.read(".dockerignore").split("\\s+")).contains(".git", "**/target");
		}

	}

	@Nested
	class Runtime {

		@Test
		void runsAsANumericNonRootUser() {
			List<String> users = matches("(?m)^USER\\s+(\\S+)", DockerfileTests.this.runtimeStage).map(m -> m.group(1))
				.toList();
			assertThat(users).as("USER lines of the runtime stage").isNotEmpty();
			assertThat(users.getLast()).as("the user the image runs as").matches("[1-9]\\d*(:\\d+)?");
		}

		@Test
		void launchesWithRunFunctions() {
			assertThat(DockerfileTests.this.runtimeStage)
				.containsPattern("(?m)^ENTRYPOINT \\[\"[^\"]*run-functions\\.sh\"]");
		}

		@Test
		void bakesNoConfigurationIntoTheImage() {
			assertThat(DockerfileTests.this.dockerfile)
				.as("training values stay in the training run; environments set their own")
				.doesNotContainPattern("(?m)^ENV\\s+.*(INTEGRATION_|SPRING_|SECRET|TOKEN)");
		}

	}

	@Nested
	class ImageScripts {

		@ParameterizedTest
		@ValueSource(strings = { "-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError", "-XX:AOTCache=",
				"-XX:AOTCacheOutput=", "-Djava.io.tmpdir=/tmp", "exec \"$java_cmd\"" })
		void runFunctionsLaunchesWith(String flag) {
			assertThat(DockerfileTests.this.run).contains(flag);
		}

		@Test
		void runFunctionsStartsAServicesSpringAotBuildAndFallsBackToThePlainJar() {
			assertThat(DockerfileTests.this.run).contains("-Dspring.aot.enabled=true")
				.contains("spring-aot.jar")
				.contains("-jar \"$jar\"");
		}

		@Test
		void theTrainingRunIsNotStoppedAtTheContextRefresh() {
			assertThat(DockerfileTests.this.run).doesNotContain("-Dspring.context.exit=onRefresh");
		}

		@Test
		void prepareFunctionsExtractsWithTheBootJarsToolsMode() {
			assertThat(DockerfileTests.this.prepare).contains("-Djarmode=tools").contains("extract --destination");
		}

		@Test
		void prepareFunctionsTrainsThroughRunFunctionsWithTheTestkitsAotTraining() {
			assertThat(DockerfileTests.this.prepare).contains("aot-training").contains("run-functions.sh");
		}

		@Test
		void prepareFunctionsRunsSpringAotWithThePlaceholdersOfTheServicesFunctions() {
			String training = Repository
				.read("testkit/src/main/java/com/acme/integration/testkit/training/AotTraining.java");
			assertThat(DockerfileTests.this.prepare).contains("SpringApplicationAotProcessor").contains("--env");
			assertThat(training).contains("\"--env\"");
		}

		@Test
		void theTrainingRunStartsInTrainModeAndStopsWithSigtermSoTheCacheIsWritten() {
			String training = Repository
				.read("testkit/src/main/java/com/acme/integration/testkit/training/AotTraining.java");
			assertThat(training).contains("\"FUNCTIONS_AOT_MODE\", \"train\"").contains("app.destroy()");
		}

	}

	private static Stream<MatchResult> matches(String regex, String text) {
		return Pattern.compile(regex).matcher(text).results();
	}

}
