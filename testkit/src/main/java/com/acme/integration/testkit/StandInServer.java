package com.acme.integration.testkit;

import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

/**
 * One WireMock server playing one or more {@link StandIn}s, each under its own paths (the Orders API under
 * {@code /api/}, the ERP under {@code /erp/}), as the sandbox and the tests run them.
 *
 * <pre>
 * OrdersApiStandIn ordersApi = new OrdersApiStandIn("token");
 * ErpStandIn erp = new ErpStandIn("client", "secret");
 * StandInServer server = StandInServer.start(WireMockConfiguration.options().dynamicPort(), ordersApi, erp);
 * ordersApi.server().stubFor(post("/api/v1/orders").atPriority(1).willReturn(aResponse().withStatus(503)));
 * </pre>
 */
public final class StandInServer implements AutoCloseable {

	private final WireMockServer server;

	private final List<StandIn> standIns;

	private StandInServer(WireMockServer server, List<StandIn> standIns) {
		this.server = server;
		this.standIns = standIns;
	}

	public static StandInServer start(WireMockConfiguration options, StandIn... standIns) {
		WireMockServer wireMock = new WireMockServer(options.extensions(standIns));
		wireMock.start();
		StandInServer server = new StandInServer(wireMock, List.of(standIns));
		for (StandIn standIn : standIns) {
			standIn.attach(server);
		}
		return server;
	}

	/**
	 * The stand-ins as the commands serve them: on {@code bind}:{@code port} (0 for any free port), with 100
	 * request threads, every answer {@code delay} late.
	 */
	public static StandInServer serve(String bind, int port, Duration delay, StandIn... standIns) {
		StandInServer server = start(WireMockConfiguration.options().bindAddress(bind).port(port).containerThreads(100),
				standIns);
		if (!delay.isZero()) {
			server.wireMock().setGlobalFixedDelay((int) delay.toMillis());
		}
		return server;
	}

	public WireMockServer wireMock() {
		return this.server;
	}

	public String baseUrl() {
		return this.server.baseUrl();
	}

	public int port() {
		return this.server.port();
	}

	/** Forgets every stand-in's state, the requests received and the tests' stubs; the default stubs are back. */
	public synchronized void reset() {
		this.server.resetAll();
		for (StandIn standIn : this.standIns) {
			standIn.forget();
			standIn.stubDefaults(this.server);
		}
	}

	@Override
	public void close() {
		this.server.stop();
	}

}
