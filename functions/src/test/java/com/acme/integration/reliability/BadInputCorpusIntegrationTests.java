package com.acme.integration.reliability;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;

import com.acme.integration.sandbox.HttpProbe;
import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.OrdersApiStandIn;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus ({@code corpus/cases.psv}, one case per line with its expected
 * answer) sent over HTTP to orderWebhook, mapOrder and orderStatusSync. Each case asserts its exact
 * status and answer, and for every case: no 5xx, problem+json for every 4xx, no stack trace, secret,
 * internal URL or echoed request header in the answer, nothing forwarded for a refused webhook, and no
 * secret or stack trace in the log lines written meanwhile.
 */
class BadInputCorpusIntegrationTests extends IntegrationTestSupport {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String PROBLEM_BASE = "https://problems.acme.example/";

	/** Webhook ids, order numbers and order ids by case, for the replay cases that refer to an earlier one. */
	private static final Map<String, String> IDS = new ConcurrentHashMap<>();

	private static final Map<String, String> ORDER_NUMBERS = new ConcurrentHashMap<>();

	private static final Map<String, String> ORDER_IDS = new ConcurrentHashMap<>();

	private static final Map<String, KnownBug> KNOWN_BUGS = KnownBug.load();

	static Stream<CorpusCase> corpus() {
		return CorpusCase.load().stream();
	}

	/** The cases run in order and the replays refer to earlier ones: the stand-ins are reset once, before all. */
	@BeforeAll
	static void freshStandIns() {
		STAND_INS.reset();
	}

	@Override
	protected boolean freshStandInsForEachTest() {
		return false;
	}

	@AfterAll
	static void summary() {
		System.out.println("reliability corpus: " + CorpusCase.load().size() + " cases (" + KNOWN_BUGS.size()
				+ " of them known bugs, skipped), Orders API received "
				+ ORDERS_API.requests().size() + " requests, holds " + ORDERS_API.orders().size() + " orders; ERP applied "
				+ ERP.applied().values().stream().mapToInt(List::size).sum() + " updates");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("corpus")
	void answersEveryCaseAsDocumented(CorpusCase c, CapturedOutput output) {
		CorpusRequest request = new CorpusRequest(c, IDS, ORDER_NUMBERS);
		IDS.put(c.id(), request.webhookId);
		ORDER_NUMBERS.put(c.id(), request.orderNumber);
		long forwardedBefore = forwarded(request.webhookId);
		int ordersBefore = ORDERS_API.orders().size();
		int erpBefore = erpUpdates(request.orderNumber);

		HttpProbe.Response response = http().send(c.method(), "/" + c.function(), request.headers, request.body,
				request.chunked);

		KnownBug bug = KNOWN_BUGS.get(c.id());
		if (bug != null) {
			assertThat(response.status())
				.as("%s is listed in %s as answered %d; a different answer may mean it is fixed: update the list",
						c.id(), KnownBug.TABLE, bug.observed())
				.isEqualTo(bug.observed());
			Assumptions.abort("known bug, expected " + c.status() + " " + c.expect() + ": " + bug.text());
		}

		assertThat(response.status()).as("status of %s (body %s)", c.id(), response.text()).isEqualTo(c.status());
		assertSafe(c, response);
		String expect = c.expect();
		if (expect.startsWith("problem:")) {
			assertProblem(c, response, expect.substring("problem:".length()));
			if (c.function().equals("orderWebhook")) {
				assertThat(forwarded(request.webhookId)).as("forwarded to the Orders API").isEqualTo(forwardedBefore);
				assertThat(ORDERS_API.orders()).hasSize(ordersBefore);
			}
			if (c.function().equals("orderStatusSync")) {
				assertThat(erpUpdates(request.orderNumber)).as("sent to the ERP").isEqualTo(erpBefore);
			}
		}
		else if (expect.startsWith("upstream:")) {
			assertProblem(c, response, expect.substring("upstream:".length()));
			assertThat(forwarded(request.webhookId)).as("forwarded to the Orders API").isEqualTo(forwardedBefore + 1);
			assertThat(ORDERS_API.orders()).as("refused there: no new order").hasSize(ordersBefore);
		}
		else if (expect.startsWith("result:")) {
			JsonNode body = JSON.readTree(response.body());
			assertThat(body.path("result").asString()).isEqualTo(expect.substring("result:".length()));
			assertThat(body.path("orderId").asString()).isNotBlank();
			List<OrdersApiStandIn.Order> orders = ORDERS_API.orders().stream()
				.filter(order -> order.externalRef().equals("mueller:" + request.orderNumber))
				.toList();
			assertThat(orders).as("orders at the Orders API for this case").hasSize(1);
			assertThat(orders.getFirst().id()).isEqualTo(body.path("orderId").asString());
			assertThat(orders.getFirst().idempotencyKey()).isEqualTo(request.webhookId);
			ORDER_IDS.put(c.id(), body.path("orderId").asString());
		}
		else if (expect.startsWith("duplicate-of:")) {
			JsonNode body = JSON.readTree(response.body());
			assertThat(body.path("result").asString()).isEqualTo("duplicate");
			assertThat(body.path("orderId").asString())
				.isEqualTo(ORDER_IDS.get(expect.substring("duplicate-of:".length())));
			assertThat(ORDERS_API.orders()).as("no new order for a replayed id").hasSize(ordersBefore);
		}
		else if (expect.equals("mapped")) {
			JsonNode body = JSON.readTree(response.body());
			assertThat(body.path("externalRef").asString()).isEqualTo("mueller:" + request.orderNumber);
			assertThat(body.path("lines").get(0).path("unitPrice").path("amount").isString()).isTrue();
			assertThat(ORDERS_API.orders()).as("mapOrder never calls anything").hasSize(ordersBefore);
		}
		else if (expect.equals("erp:applied")) {
			assertThat(erpUpdates(request.orderNumber)).isEqualTo(erpBefore + 1);
		}
		else if (expect.equals("erp:none")) {
			assertThat(erpUpdates(request.orderNumber)).isEqualTo(erpBefore);
		}
		else {
			throw new IllegalArgumentException("unknown expectation " + expect + " in " + c.id());
		}
		assertLogsClean(output);
	}

	private static void assertSafe(CorpusCase c, HttpProbe.Response response) {
		assertThat(response.status()).as("never a 5xx").isLessThan(500);
		String body = response.text();
		for (String secret : secrets()) {
			assertThat(body).as("answer of %s leaks a secret", c.id()).doesNotContain(secret);
		}
		assertThat(body).doesNotContain("\tat ", "Exception", "java.", "orders-internal", "erp-internal",
				"localhost:" + ORDERS_API.port(), "/erp/");
		assertThat(response.headers().keySet()).as("response headers of %s", c.id())
			.noneMatch(name -> {
				String lower = name.toLowerCase(Locale.ROOT);
				return lower.startsWith("webhook-") || lower.startsWith("ce-") || lower.equals("idempotent-replayed")
						|| lower.equals("authorization") || lower.equals("idempotency-key");
			});
	}

	private static void assertProblem(CorpusCase c, HttpProbe.Response response, String slug) {
		assertThat(response.contentType()).as("content type of %s", c.id()).startsWith("application/problem+json");
		JsonNode problem = JSON.readTree(response.body());
		assertThat(problem.path("type").asString()).isEqualTo(PROBLEM_BASE + slug);
		assertThat(problem.path("status").asInt()).isEqualTo(c.status());
		assertThat(problem.path("title").asString()).isNotBlank();
	}

	static void assertLogsClean(CapturedOutput output) {
		String logs = output.getAll();
		for (String secret : secrets()) {
			assertThat(logs).as("log lines leak a secret").doesNotContain(secret);
		}
		assertThat(logs).as("stack trace in the log").doesNotContain("\tat ", "stack_trace");
	}

	private static long forwarded(String webhookId) {
		return ORDERS_API.requests().stream().filter(sent -> webhookId.equals(sent.getHeader("Idempotency-Key"))).count();
	}

	private static int erpUpdates(String orderNumber) {
		return ERP.applied().getOrDefault(orderNumber, List.of()).size();
	}

}
