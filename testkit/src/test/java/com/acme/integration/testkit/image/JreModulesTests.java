package com.acme.integration.testkit.image;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.acme.integration.testkit.Commands;

import static org.assertj.core.api.Assertions.assertThat;

class JreModulesTests {

	@Test
	void listsTheBootAndPlatformModulesButNotTheJdkTools() {
		Commands run = Commands.run("jre-modules");

		assertThat(run.exitCode()).isZero();
		List<String> modules = run.out().lines().toList();
		// java.base: boot loader; java.sql: platform loader; jdk.compiler and jdk.jshell: application loader.
		assertThat(modules).contains("java.base", "java.logging", "java.sql")
			.doesNotContain("jdk.compiler", "jdk.jshell", "jdk.jlink")
			.isSorted();
	}

}
