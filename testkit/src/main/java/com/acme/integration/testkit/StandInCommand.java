package com.acme.integration.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Serves the Orders API stand-in until the process is stopped: {@link OrdersApiStandIn} (stateful, the
 * idempotency contract, {@code GET /__orders}), with the {@link ErpStandIn} under {@code /erp} when given its
 * client credentials, or, with {@code --fast}, the stateless {@link FastStandIn} (loopback only).
 */
@Command(name = "orders-api", mixinStandardHelpOptions = true,
		description = "Serve the Orders API stand-in (and the ERP's under /erp) until stopped.")
final class StandInCommand implements Callable<Integer> {

	private static volatile boolean serving;

	@Spec
	CommandSpec spec;

	@Option(names = "--port", defaultValue = "0", description = "port (default: any free one, printed)")
	int port;

	@Option(names = "--token", description = "the bearer token it takes (not with --fast)")
	String token;

	@Option(names = "--delay", defaultValue = "0ms", converter = DurationConverter.class,
			description = "answer every request this late (default ${DEFAULT-VALUE})")
	Duration delay;

	@Option(names = "--fast", description = "stateless and at once, for the benchmarks: checks nothing")
	boolean fast;

	@Option(names = "--bind", defaultValue = "127.0.0.1",
			description = "address to listen on (default ${DEFAULT-VALUE}; a container's stand-in takes 0.0.0.0)")
	String bind;

	@Option(names = "--erp-client-id", description = "also serve the ERP stand-in under /erp, taking this client")
	String erpClientId;

	@Option(names = "--erp-client-secret", description = "the ERP stand-in's client secret")
	String erpClientSecret;

	static boolean isServing() {
		return serving;
	}

	@Override
	public Integer call() {
		String url;
		AutoCloseable standIn;
		if (this.fast) {
			FastStandIn fast = FastStandIn.start(this.port);
			url = fast.baseUrl();
			standIn = fast;
		}
		else {
			if (this.token == null || this.token.isBlank()) {
				throw new IllegalArgumentException("--token is required (the stateful stand-in checks it)");
			}
			if ((this.erpClientId == null) != (this.erpClientSecret == null)) {
				throw new IllegalArgumentException("--erp-client-id and --erp-client-secret go together");
			}
			StandIn[] standIns = (this.erpClientId != null)
					? new StandIn[] { new OrdersApiStandIn(this.token), new ErpStandIn(this.erpClientId, this.erpClientSecret) }
					: new StandIn[] { new OrdersApiStandIn(this.token) };
			StandInServer server = StandInServer.serve(this.bind, this.port, this.delay, standIns);
			url = server.baseUrl();
			standIn = server;
		}
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			try {
				standIn.close();
			}
			catch (Exception ignored) {
				// stopping anyway
			}
		}, "orders-api-stop"));
		serving = true;
		this.spec.commandLine().getOut().println("orders-api stand-in" + (this.fast ? " (fast)" : "") + " listening on " + url);
		this.spec.commandLine().getOut().flush();
		return 0;
	}

}
