package com.acme.integration.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the child processes the commands start (the app under measurement, the training run's app). */
public final class Processes {

	private Processes() {
	}

	/**
	 * SIGTERM ({@link Process#destroy} on Linux) to the process and what it started, SIGKILL to all of them when it
	 * has not exited after {@code patience}; returns its exit code.
	 */
	public static int stop(Process process, Duration patience) throws InterruptedException {
		process.descendants().forEach(ProcessHandle::destroy);
		process.destroy();
		if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly();
		}
		return process.waitFor();
	}

}
