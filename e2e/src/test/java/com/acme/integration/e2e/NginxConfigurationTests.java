package com.acme.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The configuration of every environment, rendered by scripts/render-nginx.sh exactly as the
 * image renders it, is accepted by a real nginx. The environments' upstream host names do not
 * resolve here, and need not: the front resolves them per request (proxy_pass with a variable).
 */
class NginxConfigurationTests {

	private final E2eSettings settings = E2eSettings.fromSystemProperties();

	static Stream<String> environments() throws IOException {
		Path envDir = E2eSettings.fromSystemProperties().repoRoot().resolve("nginx/env");
		try (Stream<Path> files = Files.list(envDir)) {
			List<String> names = files.map(file -> file.getFileName().toString())
				.filter(name -> name.endsWith(".env"))
				.map(name -> name.substring(0, name.length() - ".env".length()))
				.sorted()
				.toList();
			assertThat(names).contains("dev", "staging", "prod");
			return names.stream();
		}
	}

	@ParameterizedTest
	@MethodSource("environments")
	void renderedConfigurationPassesNginxTest(String environment) throws Exception {
		Path work = settings.workDir().resolve("config-test").resolve(environment);
		Path rendered = work.resolve("conf.d");
		Commands.Result render = Commands.run(List.of("bash", settings.renderScript().toString(), environment, rendered.toString()),
				Map.of(), work.resolve("render.log"));
		assertThat(render.exitCode()).as(render.output()).isZero();

		String conf = Files.readString(rendered.resolve("default.conf"));
		assertThat(conf).doesNotContain("${FRONT_");
		// nginx's own variables are left alone by the FRONT_ filter.
		assertThat(conf).contains("$request_id", "$binary_remote_addr", "proxy_pass http://$front_upstream_host:80/orderWebhook;",
				"client_max_body_size 256k;");

		Path nginxConf = Commands.writeNginxConf(work.resolve("prefix"), rendered);
		Commands.Result test = Commands.run(List.of(settings.nginx().toString(), "-e", "stderr", "-t", "-p",
				work.resolve("prefix").toString(), "-c", nginxConf.toString()), Map.of(), work.resolve("nginx-t.log"));
		assertThat(test.exitCode()).as(test.output()).isZero();
		assertThat(test.output()).contains("test is successful");
		// The upstreams are the Services' own cluster-local names: no networking layer is named.
		String directives = conf.lines().map(line -> line.replaceFirst("#.*", "")).collect(java.util.stream.Collectors.joining("\n"));
		assertThat(directives.toLowerCase(java.util.Locale.ROOT)).doesNotContain("kourier", "istio", "contour");
		assertThat(conf).contains("set $front_upstream_host \"order-webhook." + environment + ".svc.cluster.local\";");
	}

	@Test
	void renderingFailsNamingAVariableThatHasNoValue() throws Exception {
		Path work = settings.workDir().resolve("config-test/missing-variable");
		Path templates = work.resolve("templates");
		Files.createDirectories(templates);
		Files.writeString(templates.resolve("extra.conf.template"), "# ${FRONT_NOT_IN_ANY_ENV_FILE} and $uri\n");

		Commands.Result render = Commands.run(List.of("bash", settings.renderScript().toString(), "dev", work.resolve("out").toString()),
				Map.of("NGINX_ENVSUBST_TEMPLATE_DIR", templates.toString()), work.resolve("render.log"));

		assertThat(render.exitCode()).isNotZero();
		assertThat(render.output()).contains("FRONT_NOT_IN_ANY_ENV_FILE");
	}

	@Test
	void environmentVariablesWinOverTheValuesFile() throws Exception {
		Path work = settings.workDir().resolve("config-test/override");
		Commands.Result render = Commands.run(List.of("bash", settings.renderScript().toString(), "prod", work.resolve("out").toString()),
				Map.of("FRONT_LISTEN_PORT", "20999"), work.resolve("render.log"));

		assertThat(render.exitCode()).as(render.output()).isZero();
		String conf = Files.readString(work.resolve("out/default.conf"));
		assertThat(conf).contains("listen 20999 default_server;", "order-webhook.prod.svc.cluster.local");
	}

}
