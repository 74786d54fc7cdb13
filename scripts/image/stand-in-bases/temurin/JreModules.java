/**
 * Prints, one per line, the modules of the running JDK that OpenJDK's build puts into its JRE
 * image (make/Images.gmk: the modules of the boot and platform class loaders, and
 * jdk.jdwp.agent), the image Temurin ships as its JRE. Run with {@code --add-modules ALL-SYSTEM}
 * so that every module of the JDK is resolved. Used by scripts/image/build-local-bases.sh.
 */
public final class JreModules {

	public static void main(String[] args) {
		ClassLoader platform = ClassLoader.getPlatformClassLoader();
		ModuleLayer.boot()
			.modules()
			.stream()
			.filter(module -> module.getClassLoader() == null || module.getClassLoader() == platform
					|| module.getName().equals("jdk.jdwp.agent"))
			.map(Module::getName)
			.sorted()
			.forEach(System.out::println);
	}

}
