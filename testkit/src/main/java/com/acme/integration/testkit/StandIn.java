package com.acme.integration.testkit;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * A system we call, played by a WireMock extension on a {@link StandInServer}: its default stubs, at
 * {@link #DEFAULT_PRIORITY}, send their requests to {@link #handle(Request)}; a test puts its own stubs in
 * front of them with a smaller priority number, and the defaults stay the behaviour behind.
 */
public abstract class StandIn implements ResponseDefinitionTransformerV2 {

	/** Priority of the default stubs; a test's stub with a smaller number (WireMock's default is 5) wins. */
	public static final int DEFAULT_PRIORITY = 10;

	private final String pathPrefix;

	private final AtomicInteger active = new AtomicInteger();

	private volatile StandInServer server;

	protected StandIn(String pathPrefix) {
		this.pathPrefix = pathPrefix;
	}

	/** The WireMock server it runs on: for a test's own stubs, scenarios and verifications. */
	public WireMockServer server() {
		return standInServer().wireMock();
	}

	/**
	 * Forgets the state and the requests of every stand-in on its server and the tests' stubs; the default
	 * stubs are back: {@link StandInServer#reset()}.
	 */
	public void reset() {
		standInServer().reset();
	}

	public String baseUrl() {
		return server().baseUrl();
	}

	public int port() {
		return server().port();
	}

	/** The requests it received, oldest first, also those a test's stub answered. */
	public List<LoggedRequest> requests() {
		return server().getAllServeEvents()
			.reversed()
			.stream()
			.map(ServeEvent::getRequest)
			.filter(request -> path(request).startsWith(this.pathPrefix))
			.toList();
	}

	/** Waits until no request is being handled (one "past the deadline" may still be sleeping). */
	public void awaitQuiet(Duration atMost) throws InterruptedException {
		long until = System.nanoTime() + atMost.toNanos();
		while (this.active.get() > 0 && System.nanoTime() < until) {
			Thread.sleep(20);
		}
	}

	@Override
	public final ResponseDefinition transform(ServeEvent serveEvent) {
		this.active.incrementAndGet();
		try {
			return handle(serveEvent.getRequest());
		}
		finally {
			this.active.decrementAndGet();
		}
	}

	@Override
	public final boolean applyGlobally() {
		return false;
	}

	protected abstract ResponseDefinition handle(Request request);

	/** Adds the default stubs, which hand their requests to this extension. */
	protected abstract void stubDefaults(WireMockServer server);

	/** Forgets the state it keeps (what it holds, what it recorded, its fault plan). */
	protected abstract void forget();

	final void attach(StandInServer server) {
		this.server = server;
		stubDefaults(server.wireMock());
	}

	private StandInServer standInServer() {
		StandInServer server = this.server;
		if (server == null) {
			throw new IllegalStateException(getName() + " is not started: StandInServer.start(...) it first");
		}
		return server;
	}

	protected static String path(Request request) {
		return URI.create(request.getUrl()).getRawPath();
	}

}
