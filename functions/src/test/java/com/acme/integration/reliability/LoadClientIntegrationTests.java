package com.acme.integration.reliability;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.OrdersApiStandIn.Order;
import com.acme.integration.testkit.TestKit;
import com.acme.integration.testkit.Webhooks;

import static org.assertj.core.api.Assertions.assertThat;

/** The load client of scripts/reliability/load.sh, run for real: through orderWebhook to the Orders API stand-in. */
class LoadClientIntegrationTests extends IntegrationTestSupport {

	@Test
	void countsAnswersASenderTakesAsFinal(@TempDir Path dir) throws Exception {
		Path sample = Path.of(getClass().getResource("/samples/webhooks/order-created.json").toURI());
		StringWriter out = new StringWriter();
		CommandLine load = TestKit.commandLine();
		load.setOut(new PrintWriter(out, true));

		// Signed with a secret the function does not have: every answer is a final 401.
		int exit = load.execute("load", baseUrl() + "/orderWebhook", "--secret", Webhooks.secretOf("not-configured"),
				"--sample", sample.toString(), "--rate", "20", "--seconds", "5", "--max", "4", "--acked",
				dir.resolve("acked.txt").toString(), "--label", "test");

		assertThat(exit).isZero();
		assertThat(out.toString()).startsWith("test: sent=4 ok=0 errors=4 final=4 ").contains("outcomes={401=4}");
	}

	@Test
	void sendsSignedWebhooksAndListsEveryAcknowledgedOneWithItsOrder(@TempDir Path dir) throws Exception {
		Path sample = Path.of(getClass().getResource("/samples/webhooks/order-created.json").toURI());
		Path acked = dir.resolve("acked.txt");
		StringWriter out = new StringWriter();
		CommandLine load = TestKit.commandLine();
		load.setOut(new PrintWriter(out, true));

		int exit = load.execute("load", baseUrl() + "/orderWebhook", "--secret", NEW_SECRET, "--sample",
				sample.toString(), "--rate", "20", "--seconds", "5", "--max", "10", "--acked", acked.toString(),
				"--label", "test");

		assertThat(exit).isZero();
		assertThat(out.toString()).startsWith("test: sent=10 ok=10 errors=0 final=0 ").contains("outcomes={200=10}");
		List<String> lines = Files.readAllLines(acked);
		assertThat(lines).hasSize(10);
		List<Order> orders = ORDERS_API.orders();
		assertThat(orders).hasSize(10);
		for (String line : lines) {
			String[] idAndOrder = line.split(" ");
			assertThat(orders).anySatisfy(order -> {
				assertThat(order.idempotencyKey()).isEqualTo(idAndOrder[0]);
				assertThat(order.id()).isEqualTo(idAndOrder[1]);
			});
		}
	}

}
