package com.acme.integration.testkit.image;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The modules of the running JDK that OpenJDK's build puts into its JRE image (make/Images.gmk: the
 * modules of the boot and platform class loaders, and jdk.jdwp.agent), the image Temurin ships as its
 * JRE. scripts/image/build-local-bases.sh links the stand-in JRE from them.
 */
@Command(name = "jre-modules", mixinStandardHelpOptions = true,
		description = { "Print the modules of this JDK's JRE image, one per line.",
				"Run with java --add-modules ALL-SYSTEM so that every module of the JDK is resolved." })
public final class JreModules implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() {
		ClassLoader platform = ClassLoader.getPlatformClassLoader();
		ModuleLayer.boot()
			.modules()
			.stream()
			.filter(module -> module.getClassLoader() == null || module.getClassLoader() == platform
					|| module.getName().equals("jdk.jdwp.agent"))
			.map(Module::getName)
			.sorted()
			.forEach(this.spec.commandLine().getOut()::println);
		return 0;
	}

}
