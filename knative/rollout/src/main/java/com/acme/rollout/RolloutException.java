package com.acme.rollout;

/** A failure that ends the command with one line on stderr and the given exit code. */
final class RolloutException extends RuntimeException {
    private final int exitCode;

    RolloutException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
