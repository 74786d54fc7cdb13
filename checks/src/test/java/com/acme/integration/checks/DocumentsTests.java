package com.acme.integration.checks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Markdown documents name only repository paths that exist, keep their word budgets, and describe the system,
 * not the writing of the text.
 * <p>
 * Paths: the inline code spans and link targets of every Markdown file (README.md, docs/ and every other tracked
 * one) are split into words; those that start with a top-level entry of the repository are repository paths.
 * Placeholders ({@code ENV}, {@code NAME}, {@code N}, {@code <name>}, {@code {dev,staging,prod}}, {@code *}) are
 * expanded into globs, and at least one file must match, from the root or from the document's folder. Build
 * outputs (target/) and URLs are not checked. Budgets count words as {@code wc -w} does.
 */
final class DocumentsTests {

	private static final Map<String, Integer> WORD_BUDGETS = Map.of("docs/01-assumptions.md", 900,
			"docs/02-service-review.md", 2000, "docs/03-deployment.md", 2500, "docs/04-platform-proposal.md", 1300);

	private static final int TOTAL_BUDGET = 12000;

	/** Phrases about the tracker, earlier runs or sessions; an upstream reference (knative/serving#16216) is fine. */
	private static final Map<Pattern, String> PROCESS_WORDING = Map.of(
			Pattern.compile("(?<![\\w/.\\-])#\\d+\\b"), "a tracker number",
			Pattern.compile("(?i)\\b(issue|ticket|task) #?\\d+\\b"), "a tracker number",
			Pattern.compile("(?i)\\bsessions?\\b"), "the writing process (session)",
			Pattern.compile("(?i)\\b(earlier|previous) (run|try|attempt|round|pass|draft"
					+ "|version of (this|the) (doc|document|text))s?\\b"), "an earlier run",
			Pattern.compile("(?i)\\bthis (round|draft|rewrite)\\b"), "the writing process",
			Pattern.compile("(?i)\\b(we|was|were|has been|have been) (fixed|rewritten|reworked)\\b"), "a fix history",
			Pattern.compile("(?i)\\b(before|after) the (fix|rewrite|refactoring)\\b"), "a fix history",
			Pattern.compile("(?i)\\bfix history\\b"), "a fix history");

	private static final Pattern CODE_SPAN = Pattern.compile("(?<!`)`([^`\\n]+)`(?!`)");

	private static final Pattern LINK = Pattern.compile("]\\(([^)\\s#]+)(?:#[^)]*)?\\)");

	private static final Pattern PLACEHOLDER = Pattern.compile("<[^>]*>|\\bENV\\b|\\bNAME\\b|\\bN\\b");

	private static final Pattern BRACES = Pattern.compile("\\{([^{}]*,[^{}]*)}");

	/** The repository's own top-level entries, present or not, so that a document naming a missing one fails. */
	private static final Set<String> KNOWN_TOP_LEVEL = Set.of("functions", "knative", "nginx", "scripts", "docs",
			"e2e", "checks", "testkit", ".ci", ".gitlab-ci.yml", "pom.xml", "mvnw", "README.md", ".mvn",
			".dockerignore");

	static List<String> documents() {
		return Repository.files().stream()
			.filter(file -> file.endsWith(".md"))
			.filter(file -> !file.contains("node_modules") && !file.contains("/target/"))
			.sorted()
			.toList();
	}

	static Stream<String> budgeted() {
		return WORD_BUDGETS.keySet().stream().sorted();
	}

	@Test
	void everyRepositoryPathADocumentNamesExists() {
		Set<String> tops = topLevelNames();
		List<String> missing = new ArrayList<>();
		int checked = 0;
		for (String document : documents()) {
			Path folder = Repository.ROOT.resolve(document).getParent();
			for (String word : candidates(Repository.read(document), tops)) {
				checked++;
				if (!exists(word, folder)) {
					missing.add(document + ": names `" + word + "`, which does not exist");
				}
			}
		}
		assertThat(checked).as("repository paths named by the documents").isGreaterThan(100);
		assertThat(missing).as("paths named by the documents that match no file").isEmpty();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("budgeted")
	void aTaskDocumentKeepsItsWordBudget(String document) {
		assertThat(Repository.exists(document)).as(document + " exists (it has a word budget)").isTrue();
		assertThat(words(Repository.read(document))).as("words in " + document)
			.isLessThanOrEqualTo(WORD_BUDGETS.get(document));
	}

	@Test
	void allDocumentsTogetherKeepTheTotalBudget() {
		int total = documents().stream().mapToInt(document -> words(Repository.read(document))).sum();
		assertThat(total).as("words in all Markdown documents").isPositive().isLessThanOrEqualTo(TOTAL_BUDGET);
	}

	@Test
	void documentsDescribeTheSystemNotTheWritingOfTheText() {
		List<String> problems = new ArrayList<>();
		for (String document : documents()) {
			List<String> lines = Repository.read(document).lines().toList();
			for (int i = 0; i < lines.size(); i++) {
				for (Map.Entry<Pattern, String> wording : PROCESS_WORDING.entrySet()) {
					Matcher match = wording.getKey().matcher(lines.get(i));
					if (match.find()) {
						problems.add("%s:%d: \"%s\" is about %s, not the system".formatted(document, i + 1,
								match.group(), wording.getValue()));
					}
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void theWordingCheckRecognisesATrackerNumberButNotAnUpstreamReference() {
		assertThat(PROCESS_WORDING.keySet()).anyMatch(pattern -> pattern.matcher("as in #14").find())
			.noneMatch(pattern -> pattern.matcher("see knative/serving#16216").find());
	}

	private static int words(String text) {
		String trimmed = text.strip();
		return trimmed.isEmpty() ? 0 : trimmed.split("(?U)\\s+").length;
	}

	private static Set<String> topLevelNames() {
		Set<String> names = new TreeSet<>(KNOWN_TOP_LEVEL);
		try (Stream<Path> entries = Files.list(Repository.ROOT)) {
			entries.map(entry -> entry.getFileName().toString())
				.filter(name -> !name.startsWith(".git") || name.equals(".gitlab-ci.yml"))
				.forEach(names::add);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return names;
	}

	private static Set<String> candidates(String text, Set<String> tops) {
		Set<String> words = new TreeSet<>();
		Stream.concat(CODE_SPAN.matcher(text).results(), LINK.matcher(text).results())
			.flatMap(span -> Stream.of(span.group(1).split("[\\s=|;,()\"']+")))
			.map(word -> word.strip().replaceAll("[.:]+$", ""))
			.map(word -> word.startsWith("./") ? word.substring(2) : word)
			.filter(word -> !word.isEmpty() && !word.contains("://") && !word.startsWith("/")
					&& !word.startsWith("$") && !word.startsWith("-"))
			.filter(word -> tops.contains(word.split("/")[0]) && !word.contains("target/")
					&& !word.startsWith("../"))
			.forEach(words::add);
		return words;
	}

	private static boolean exists(String word, Path folder) {
		for (String variant : expandBraces(word)) {
			String pattern = PLACEHOLDER.matcher(variant).replaceAll("*");
			if (Glob.matchesAny(Repository.ROOT, pattern) || Glob.matchesAny(folder, pattern)) {
				return true;
			}
		}
		return false;
	}

	private static List<String> expandBraces(String word) {
		Matcher braces = BRACES.matcher(word);
		if (!braces.find()) {
			return List.of(word);
		}
		String head = word.substring(0, braces.start());
		String tail = word.substring(braces.end());
		return Stream.of(braces.group(1).split(",", -1))
			.flatMap(alternative -> expandBraces(head + alternative + tail).stream())
			.toList();
	}

	/** Shell-style globs, one path segment at a time: a wildcard does not cross a slash or match a hidden name. */
	static final class Glob {

		private Glob() {
		}

		static boolean matchesAny(Path base, String pattern) {
			List<Path> current = List.of(base);
			for (String segment : pattern.split("/")) {
				if (segment.isEmpty()) {
					continue;
				}
				List<Path> next = new ArrayList<>();
				for (Path folder : current) {
					next.addAll(matching(folder, segment));
				}
				if (next.isEmpty()) {
					return false;
				}
				current = next;
			}
			return true;
		}

		private static List<Path> matching(Path folder, String segment) {
			if (!segment.matches(".*[*?\\[].*")) {
				Path candidate = folder.resolve(segment);
				return Files.exists(candidate) ? List.of(candidate) : List.of();
			}
			if (!Files.isDirectory(folder)) {
				return List.of();
			}
			var matcher = folder.getFileSystem().getPathMatcher("glob:" + segment.replace("**", "*"));
			try (Stream<Path> entries = Files.list(folder)) {
				return entries.filter(entry -> matcher.matches(entry.getFileName()))
					.filter(entry -> segment.startsWith(".") || !entry.getFileName().toString().startsWith("."))
					.toList();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
