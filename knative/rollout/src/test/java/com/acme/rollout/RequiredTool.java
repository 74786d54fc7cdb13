package com.acme.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests that need a program from Debian (prometheus, promtool, kubectl): skipped, with a message, where it is not
 * installed, but failed where CI=true, so that CI never passes by skipping them (.ci/run installs them).
 */
final class RequiredTool {
    private RequiredTool() {
    }

    static void assumeInstalled(String command, String... versionArgs) {
        if (runs(command, versionArgs)) {
            return;
        }
        String why = command + " is not installed (Debian package: " + (command.equals("kubectl") ? "kubectl"
                : "prometheus") + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(why + ": required when CI=true; .ci/run installs it");
        }
        assumeTrue(false, why + ": skipped here, required in CI");
    }

    private static boolean runs(String command, String... args) {
        List<String> line = new ArrayList<>(List.of(command));
        line.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
