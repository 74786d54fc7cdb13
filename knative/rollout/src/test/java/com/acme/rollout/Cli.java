package com.acme.rollout;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/** Runs the CLI in-process, black-box (CommandLine.execute), against a given API server. */
final class Cli {
    /** The environment the CLI sees: the smoke secret, as CI would set it. */
    static final Map<String, String> ENV = Map.of(Gates.SMOKE_SECRET_ENV, TestHttpServer.SMOKE_SECRET);

    record Result(int exitCode, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private Cli() {
    }

    static Result run(Config config, Map<String, String> env, String... args) {
        Rollout rollout = new Rollout(context -> new KubernetesClientBuilder().withConfig(config).build(), env::get);
        CommandLine cli = Rollout.commandLine(rollout);
        // Tests add options to a default command line; the last one given wins.
        cli.setOverwrittenOptionsAllowed(true);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * The CLI's client: short request timeouts and one retry, so that a fault shows within seconds (a real run
     * keeps fabric8's defaults: 10 s, 10 retries with backoff).
     */
    static Config config(Config mock, String masterUrl) {
        return new ConfigBuilder(mock).withMasterUrl(masterUrl).withRequestTimeout(1500).withConnectionTimeout(1500)
                .withRequestRetryBackoffLimit(1).withRequestRetryBackoffInterval(50).build();
    }

    static String manifest() {
        try {
            return Path.of(Cli.class.getResource("/manifests/two-services.yaml").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
