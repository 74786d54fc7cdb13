package com.acme.integration.checks;

import static com.acme.integration.checks.GitlabCiLocal.asMap;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/ci.md against .gitlab-ci.yml: a section for every job and none for a job the
 * pipeline lacks, each job described in numbered steps and naming the scripts it runs (as
 * gitlab-ci-local merges the pipeline), and every CI/CD variable the scripts under
 * scripts/ci/ require documented. That the paths it names exist is {@link DocumentsTests}'s check, as for every
 * document.
 */
final class CiDocumentTests {

	private static final Set<String> KEYWORDS = Set.of("workflow", "stages", "include", "variables", "default");

	private static final Pattern TOP_LEVEL_KEY = Pattern.compile("^([A-Za-z0-9_:-][\\w.:-]*):", Pattern.MULTILINE);

	private static final Pattern JOB_HEADING = Pattern.compile("^###\\s+`([^`]+)`", Pattern.MULTILINE);

	private static final Pattern REQUIRE_VARS = Pattern.compile("^\\s*(?:if ! )?require_vars ([A-Z0-9_ ]+)",
			Pattern.MULTILINE);

	/** Variables the deploy jobs read that no require_vars names. */
	private static final Set<String> ALSO_READ = Set.of("PROMETHEUS_URL", "KUBE_CONTEXT", "ROLLBACK_TO");

	/**
	 * The top-level keys of .gitlab-ci.yml that are jobs (hidden ones start with a dot).
	 */
	static Set<String> definedJobs() {
		Set<String> defined = new TreeSet<>();
		Matcher matcher = TOP_LEVEL_KEY.matcher(Repository.read(".gitlab-ci.yml"));
		while (matcher.find()) {
			defined.add(matcher.group(1));
		}
		defined.removeAll(KEYWORDS);
		return defined;
	}

	static String docs() {
		return Repository.exists("docs/ci.md") ? Repository.read("docs/ci.md") : "";
	}

	static Set<String> documentedJobs() {
		Set<String> documented = new TreeSet<>();
		Matcher matcher = JOB_HEADING.matcher(docs());
		while (matcher.find()) {
			documented.add(matcher.group(1));
		}
		return documented;
	}

	/** From the job's heading to the next heading of level three. */
	static Optional<String> section(String job) {
		String docs = docs();
		String heading = "### `" + job + "`";
		int start = docs.indexOf(heading);
		if (start < 0) {
			return Optional.empty();
		}
		String rest = docs.substring(start + heading.length());
		int end = rest.indexOf("\n### ");
		return Optional.of((end < 0) ? rest : rest.substring(0, end));
	}

	static Stream<String> documentedAndDefinedJobs() {
		Set<String> jobs = documentedJobs();
		jobs.retainAll(definedJobs());
		return jobs.stream();
	}

	static Stream<Arguments> scriptsOfJobs() {
		return definedJobs().stream()
			.flatMap((job) -> PipelineTests.list(asMap(GitlabCiLocal.preview().get(job)).get("script"))
				.stream()
				.map((line) -> String.valueOf(line).strip().split("\\s+")[0])
				.filter((script) -> script.startsWith("scripts/"))
				.map((script) -> Arguments.of(job, script)));
	}

	/** Every variable a CI script requires, and every variable the deploy jobs read. */
	static Stream<String> requiredVariables() throws IOException {
		Set<String> required = new TreeSet<>(ALSO_READ);
		try (Stream<Path> files = Files.list(Repository.ROOT.resolve("scripts/ci"))) {
			for (Path script : files.filter((file) -> file.getFileName().toString().endsWith(".sh")).toList()) {
				Matcher matcher = REQUIRE_VARS.matcher(Files.readString(script));
				while (matcher.find()) {
					required.addAll(List.of(matcher.group(1).trim().split("\\s+")));
				}
			}
		}
		return required.stream().filter((name) -> !name.isEmpty() && !name.startsWith("CI_"));
	}

	@Test
	void exists() {
		assertThat(docs()).as("docs/ci.md").isNotEmpty();
	}

	@Test
	void hasASectionForEveryJob() {
		assertThat(documentedJobs()).as("jobs docs/ci.md has a section for").containsAll(definedJobs());
	}

	@Test
	void documentsNoJobThePipelineLacks() {
		assertThat(definedJobs()).as("jobs of .gitlab-ci.yml").containsAll(documentedJobs());
	}

	@ParameterizedTest
	@MethodSource("documentedAndDefinedJobs")
	void describesAJobInNumberedSteps(String job) {
		assertThat(section(job)).as("docs/ci.md: section of %s", job)
			.hasValueSatisfying((section) -> assertThat(section).as("docs/ci.md: %s in numbered steps", job)
				.containsPattern(Pattern.compile("^1\\. ", Pattern.MULTILINE)));
	}

	@ParameterizedTest(name = "{0} names {1}")
	@MethodSource("scriptsOfJobs")
	void namesTheScriptsOfAJob(String job, String script) {
		assertThat(section(job)).as("docs/ci.md: section of %s", job)
			.hasValueSatisfying(
					(section) -> assertThat(section).as("docs/ci.md: %s names its script", job).contains(script));
	}

	@ParameterizedTest
	@MethodSource("requiredVariables")
	void documentsEveryCiCdVariableTheScriptsRead(String variable) {
		assertThat(docs()).as("docs/ci.md documents the CI/CD variable %s", variable).contains("`" + variable + "`");
	}

}
