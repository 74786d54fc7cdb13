package com.acme.integration.testkit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One request held by {@link OrdersApiStandIn#hold()} just before it commits: it is in flight (a concurrent
 * request with its key gets 409) and commits once released. Closing the hold releases it.
 */
public final class Hold implements AutoCloseable {

	private final CountDownLatch arrived = new CountDownLatch(1);

	private final CountDownLatch released = new CountDownLatch(1);

	private volatile String idempotencyKey;

	Hold() {
	}

	/** Waits until a request is held and returns its Idempotency-Key. */
	public String awaitHeld(Duration timeout) throws InterruptedException, TimeoutException {
		if (!this.arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new TimeoutException("no request reached the Orders API stand-in's commit within " + timeout);
		}
		return this.idempotencyKey;
	}

	/** Lets the held request commit and be answered. */
	public void release() {
		this.released.countDown();
	}

	@Override
	public void close() {
		release();
	}

	void holdHere(String idempotencyKey) {
		this.idempotencyKey = idempotencyKey;
		this.arrived.countDown();
		try {
			this.released.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
