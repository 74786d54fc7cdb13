package com.acme.rollout;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SIGTERM (a cancelled CI job, a pod deletion) and SIGINT (Ctrl-C) during a deploy: instead of the JVM's exit,
 * the deploy thread is interrupted, so that it stops waiting and puts the traffic back before it exits. A signal
 * that arrives while it does is reported and otherwise ignored. SIGKILL cannot be caught: the stable revision
 * recorded on each Service lets a later rollback or deploy restore or restart.
 */
final class Signals implements AutoCloseable {
    private final Thread target;
    private final PrintWriter out;
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private volatile String received;
    private volatile boolean restoring;

    private Signals(Thread target, PrintWriter out) {
        this.target = target;
        this.out = out;
    }

    /** Handles SIGTERM and SIGINT until closed; where the JVM does not let us (-Xrs), they keep their default. */
    static Signals install(Thread target, PrintWriter out) {
        Signals signals = new Signals(target, out);
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal signal = new Signal(name);
                signals.previous.put(signal, Signal.handle(signal, signals::handle));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // The JVM reserves it (-Xrs) or the platform lacks it: the default action stays.
            }
        }
        return signals;
    }

    private void handle(Signal signal) {
        String name = "SIG" + signal.getName();
        if (received == null) {
            received = name;
        }
        if (restoring) {
            out.printf("received %s while traffic goes back to the stable revision: finishing that first%n", name);
            out.flush();
            return;
        }
        out.printf("received %s: stopping; traffic goes back to the stable revision%n", name);
        out.flush();
        target.interrupt();
    }

    /** The first signal received, e.g. "SIGTERM", or null. */
    String received() {
        return received;
    }

    /** From now on signals no longer interrupt: the traffic is being put back. */
    void restoring() {
        restoring = true;
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
    }
}
