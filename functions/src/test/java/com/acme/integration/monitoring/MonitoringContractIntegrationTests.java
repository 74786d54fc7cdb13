package com.acme.integration.monitoring;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.http.Fault;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;

import com.acme.integration.sandbox.IntegrationTestSupport;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitoring promises only what the app exports. Drives the running app through its functions (signed,
 * unsigned, invalid and malformed webhooks; an Orders API that refuses, resets and stays down; status events
 * the ERP takes, refuses and cannot take; mapOrder), scrapes /actuator/prometheus once, and checks every series
 * named by the alert rules (knative/monitoring/prometheusrule-order-integration.yaml), by their promtool
 * tests (knative/monitoring/tests/) and by the dashboard's queries (knative/monitoring/dashboards/) against
 * that scrape: the metric name must be exported, a rule's label matcher must match a value the app exported,
 * and a test series may only carry labels the app (or PodMonitor functions) gives it. Series of other
 * exporters must be listed in some rule's external_series annotation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringContractIntegrationTests extends IntegrationTestSupport {

	private static final Path MONITORING = Path.of("..", "knative", "monitoring").toAbsolutePath().normalize();

	/** Labels Prometheus adds to every scraped series (PodMonitor functions and the operator's defaults). */
	private static final Set<String> TARGET_LABELS = Set.of("namespace", "service", "revision", "pod", "container",
			"instance", "job", "endpoint");

	private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
			"group_left", "group_right", "bool", "offset", "inf", "nan");

	private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*})?(\\s*\\()?");

	private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	@Autowired
	OAuth2AuthorizedClientService authorizedClients;

	/** metric name -> label -> values seen in the scrape. */
	private final Map<String, Map<String, Set<String>>> exported = new HashMap<>();

	@BeforeEach
	void noCachedErpToken() {
		this.authorizedClients.removeAuthorizedClient("erp", "order-status-sync");
	}

	@BeforeAll
	void driveEveryOutcomeAndScrape() {
		// The context and the stand-in are shared with the other integration tests: start from a clean Orders
		// API, with webhook ids of this run only.
		ORDERS_API.reset();
		String run = java.util.UUID.randomUUID().toString().substring(0, 8);
		// Webhooks: delivered, refused for the signature, invalid, malformed, rejected and unavailable upstream.
		// The first delivery of a fresh context may miss the short test deadline on a loaded machine: a start-up
		// wait (another webhook id each time), not an assertion on timing.
		int delivered = 0;
		for (int attempt = 0; attempt < 5 && delivered != 200; attempt++) {
			delivered = postSigned("/orderWebhook", "msg_contract_created_" + run + "_" + attempt, sample("webhooks/order-created.json"))
				.statusCode();
			ORDERS_API.reset();
		}
		assertThat(delivered).isEqualTo(200);
		assertThat(postRaw("/orderWebhook", "application/json", sample("webhooks/order-created.json"),
				Map.of("webhook-id", "msg_contract_unsigned_" + run, "webhook-timestamp",
						String.valueOf(System.currentTimeMillis() / 1000), "webhook-signature", "v1,AAAA"))
			.statusCode()).isEqualTo(401);
		// An update for an order the Orders API does not know: unknown_order where the app tells it apart.
		assertThat(postSigned("/orderWebhook", "msg_contract_unknown_order_" + run, sample("webhooks/order-updated.json")).statusCode())
			.isIn(409, 422);
		assertThat(postSigned("/orderWebhook", "msg_contract_invalid_" + run, sample("webhooks/invalid-order.json")).statusCode())
			.isEqualTo(422);
		assertThat(postSigned("/orderWebhook", "msg_contract_malformed_" + run, sample("webhooks/malformed.json")).statusCode())
			.isEqualTo(400);
		ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
			.willReturn(aResponse().withStatus(422).withHeader("Content-Type", "application/problem+json")
				.withBody("{\"title\":\"Validation failed\",\"status\":422}")));
		assertThat(postSigned("/orderWebhook", "msg_contract_rejected_" + run, sample("webhooks/order-created.json")).statusCode())
			.isEqualTo(422);
		ORDERS_API.reset();
		ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
			.willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
		ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(2)
			.willReturn(aResponse().withStatus(503)));
		HttpResponse<String> unavailable = postSigned("/orderWebhook", "msg_contract_unavailable_" + run,
				sample("webhooks/order-created.json"));
		assertThat(unavailable.statusCode()).as(unavailable.body()).isEqualTo(503);
		ORDERS_API.reset();
		ORDERS_API.server().stubFor(post(urlPathEqualTo("/api/v1/orders")).atPriority(1)
			.willReturn(aResponse().withStatus(503)));
		assertThat(postSigned("/orderWebhook", "msg_contract_unavailable_again_" + run, sample("webhooks/order-created.json"))
			.statusCode()).isEqualTo(503);
		ORDERS_API.reset();
		assertThat(postRaw("/mapOrder", "application/json", sample("webhooks/order-created.json"), Map.of()).statusCode())
			.isEqualTo(200);

		// Status events: forwarded, refused for good (the ERP does not know the order), transient (ERP down), and
		// an event that cannot be valid.
		ORDERS_API.server().stubFor(post(urlEqualTo("/erp/oauth/token")).willReturn(aResponse().withStatus(200)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"access_token\": \"contract-token\", \"token_type\": \"Bearer\", \"expires_in\": 3600}")));
		ORDERS_API.server().stubFor(put(urlPathMatching("/erp/api/orders/.*/status")).willReturn(aResponse().withStatus(204)));
		assertThat(event("events/status-shipped.json")).isEqualTo(202);
		ORDERS_API.server().stubFor(put(urlPathMatching("/erp/api/orders/.*/status")).atPriority(1)
			.willReturn(aResponse().withStatus(404)));
		assertThat(event("events/status-accepted.json")).isEqualTo(422);
		ORDERS_API.server().stubFor(put(urlPathMatching("/erp/api/orders/.*/status")).atPriority(1)
			.willReturn(aResponse().withStatus(503)));
		assertThat(event("events/status-shipped.json")).isEqualTo(503);
		assertThat(event("events/unknown-status.json")).isEqualTo(422);

		HttpResponse<String> scrape = send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build());
		assertThat(scrape.statusCode()).isEqualTo(200);
		try {
			// Kept for whoever writes the next rule or panel: the real names and labels.
			Files.writeString(Path.of("target", "actuator-prometheus-scrape.txt"), scrape.body());
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		parse(scrape.body());
	}

	private int event(String sample) {
		return postRaw("/orderStatusSync", "application/cloudevents+json; charset=utf-8", sample(sample), Map.of())
			.statusCode();
	}

	private void parse(String exposition) {
		Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+.*$");
		for (String text : exposition.lines().toList()) {
			Matcher matcher = line.matcher(text);
			if (text.startsWith("#") || !matcher.matches()) {
				continue;
			}
			Map<String, Set<String>> labels = this.exported.computeIfAbsent(matcher.group(1), name -> new HashMap<>());
			if (matcher.group(3) != null) {
				Matcher label = MATCHER.matcher(matcher.group(3));
				while (label.find()) {
					labels.computeIfAbsent(label.group(1), name -> new TreeSet<>()).add(unescape(label.group(3)));
				}
			}
		}
	}

	@Test
	void theScrapeHoldsTheSeriesTheDrivenOutcomesMustCreate() {
		assertThat(this.exported.get("integration_webhook_events_total").get("outcome"))
			.contains("invalid_signature", "invalid", "malformed", "rejected", "unavailable", "unknown_order");
		assertThat(this.exported.get("integration_status_events_total").get("outcome"))
			.contains("forwarded", "permanent", "transient");
		// Each function call is tagged with the function's path, which the rules select.
		assertThat(this.exported.get("http_server_requests_seconds_count").get("uri")).contains("/orderWebhook")
			.doesNotContain("/**");
	}

	@Test
	void everyAlertRuleNamesOnlySeriesAndLabelValuesTheAppExportsOrItsDeclaredExternalSeries() throws IOException {
		List<String> problems = new ArrayList<>();
		for (Map<String, Object> rule : rules()) {
			String alert = String.valueOf(rule.get("alert"));
			Set<String> external = externalSeries(rule);
			for (Selector selector : selectors(String.valueOf(rule.get("expr")))) {
				if (external.contains(selector.metric())) {
					if (this.exported.containsKey(selector.metric())) {
						problems.add(alert + ": " + selector.metric() + " is declared external but the app exports it");
					}
					continue;
				}
				checkAppSeries(alert, selector, true, problems);
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void everyPromtoolTestSeriesIsAnExportedSeriesWithTheAppsLabelsOrADeclaredExternalOne() throws IOException {
		Set<String> external = allExternalSeries();
		List<String> problems = new ArrayList<>();
		try (var files = Files.list(MONITORING.resolve("tests"))) {
			for (Path file : files.filter(f -> f.toString().endsWith(".test.yaml")).toList()) {
				Map<String, Object> doc = new Yaml().load(Files.readString(file));
				for (Object test : (List<?>) doc.get("tests")) {
					for (Object input : (List<?>) ((Map<?, ?>) test).get("input_series")) {
						Selector selector = selectors(String.valueOf(((Map<?, ?>) input).get("series"))).getFirst();
						if (!external.contains(selector.metric())) {
							checkAppSeries(file.getFileName() + " " + ((Map<?, ?>) test).get("name"), selector, false, problems);
						}
					}
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void everyDashboardQueryNamesOnlyExportedSeries() throws IOException {
		Path dashboards = MONITORING.resolve("dashboards");
		Set<String> external = allExternalSeries();
		List<String> problems = new ArrayList<>();
		try (var files = Files.list(dashboards)) {
			for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
				JsonNode dashboard = JSON.readTree(Files.readString(file));
				List<String> queries = new ArrayList<>();
				collectQueries(dashboard.path("panels"), queries);
				for (JsonNode variable : dashboard.path("templating").path("list")) {
					String query = variable.path("query").isObject() ? variable.path("query").path("query").asString("")
							: variable.path("query").asString("");
					Matcher labelValues = Pattern.compile("label_values\\((.+),\\s*[a-z_]+\\)").matcher(query);
					if (labelValues.matches()) {
						queries.add(labelValues.group(1));
					}
				}
				assertThat(queries).as(file.toString()).isNotEmpty();
				for (String query : queries) {
					for (Selector selector : selectors(query.replace("$__rate_interval", "5m").replace("$namespace", "prod"))) {
						if (!external.contains(selector.metric())) {
							checkAppSeries(file.getFileName().toString(), selector, true, problems);
						}
					}
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	private void checkAppSeries(String where, Selector selector, boolean checkValues, List<String> problems) {
		Map<String, Set<String>> labels = this.exported.get(selector.metric());
		if (labels == null) {
			problems.add(where + ": " + selector.metric() + " is not exported by the app (nor declared external)");
			return;
		}
		for (Map.Entry<String, Label> matcher : selector.labels().entrySet()) {
			String label = matcher.getKey();
			if (TARGET_LABELS.contains(label)) {
				continue;
			}
			Set<String> values = labels.get(label);
			Label expected = matcher.getValue();
			if (values == null) {
				problems.add(where + ": " + selector.metric() + " has no label " + label);
				continue;
			}
			if (!checkValues) {
				continue;
			}
			boolean matches = switch (expected.operator()) {
				case "=" -> values.contains(expected.value());
				case "=~" -> values.stream().anyMatch(value -> value.matches(expected.value()));
				default -> true;
			};
			if (!matches) {
				problems.add(where + ": " + selector.metric() + "{" + label + expected.operator() + "\"" + expected.value()
						+ "\"} matches none of the exported values " + values);
			}
		}
	}

	private static void collectQueries(JsonNode panels, List<String> queries) {
		for (JsonNode panel : panels) {
			collectQueries(panel.path("panels"), queries);
			for (JsonNode target : panel.path("targets")) {
				if (target.hasNonNull("expr")) {
					queries.add(target.get("expr").asString());
				}
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> rules() throws IOException {
		Map<String, Object> resource = new Yaml().load(Files.readString(MONITORING.resolve("prometheusrule-order-integration.yaml")));
		List<Map<String, Object>> rules = new ArrayList<>();
		for (Object group : (List<?>) ((Map<?, ?>) resource.get("spec")).get("groups")) {
			for (Object rule : (List<?>) ((Map<?, ?>) group).get("rules")) {
				rules.add((Map<String, Object>) rule);
			}
		}
		assertThat(rules).isNotEmpty();
		return rules;
	}

	private static Set<String> externalSeries(Map<String, Object> rule) {
		Map<?, ?> annotations = (Map<?, ?>) rule.getOrDefault("annotations", Map.of());
		Object declared = annotations.get("external_series");
		Set<String> names = new HashSet<>();
		if (declared != null) {
			for (String name : String.valueOf(declared).split(",")) {
				names.add(name.strip());
			}
			assertThat(annotations.get("source")).as("%s: the source of its external series", rule.get("alert")).isNotNull();
		}
		return names;
	}

	private static Set<String> allExternalSeries() throws IOException {
		Set<String> names = new HashSet<>();
		for (Map<String, Object> rule : rules()) {
			names.addAll(externalSeries(rule));
		}
		return names;
	}

	record Label(String operator, String value) {
	}

	record Selector(String metric, Map<String, Label> labels) {
	}

	/** The series selectors of a PromQL expression: metric names with their label matchers. */
	static List<Selector> selectors(String expression) {
		String expr = expression
			.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
			.replaceAll("\\[[^]]*]", " ");
		List<Selector> selectors = new ArrayList<>();
		Matcher matcher = SELECTOR.matcher(expr);
		while (matcher.find()) {
			String name = matcher.group(1);
			boolean function = matcher.group(2) == null && matcher.group(3) != null;
			if (function || PROMQL_WORDS.contains(name.toLowerCase(java.util.Locale.ROOT))
					|| (matcher.start() > 0 && Character.isDigit(expr.charAt(matcher.start() - 1)))) {
				continue;
			}
			Map<String, Label> labels = new LinkedHashMap<>();
			if (matcher.group(2) != null) {
				Matcher label = MATCHER.matcher(matcher.group(2));
				while (label.find()) {
					labels.put(label.group(1), new Label(label.group(2), unescape(label.group(3))));
				}
			}
			selectors.add(new Selector(name, labels));
		}
		return selectors;
	}

	private static String unescape(String value) {
		return value.replace("\\\\", "\u0000").replace("\\\"", "\"").replace("\u0000", "\\");
	}

	@Test
	void theSelectorParserFindsMetricsNotFunctionsKeywordsOrLabels() {
		assertThat(selectors("sum by (namespace) (rate(a_total{x=\"1\", y=~\"b|c\"}[5m])) / on () b > 0.5 and on () (hour() >= 7)"))
			.containsExactly(new Selector("a_total", Map.of("x", new Label("=", "1"), "y", new Label("=~", "b|c"))),
					new Selector("b", Map.of()));
		assertThat(new String(unescape("a\\\\.b").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo("a\\.b");
	}

}
