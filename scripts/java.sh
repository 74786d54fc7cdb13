# shellcheck shell=bash
# Sourced by every script that runs Java. JAVA_HOME becomes a JDK 25, the one the build, the tests and the
# AOT cache need: the JAVA_HOME given if it is a 25, else the Temurin 25 of these machines; its bin/ comes
# first on PATH. testkit_jar prints the path of testkit/target/testkit.jar (the stand-ins, the signer, the
# load and benchmark programs), built first when missing or older than its sources.

if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" ]] \
	|| ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
	JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
	echo "no JDK 25 found: set JAVA_HOME to one" >&2
	exit 1
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

testkit_jar() {
	local root jar
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	jar=$root/testkit/target/testkit.jar
	if [[ ! -f $jar || -n $(find "$root/testkit/src" "$root/testkit/pom.xml" -newer "$jar" -print -quit) ]]; then
		echo "building testkit/target/testkit.jar" >&2
		(cd "$root" && ./mvnw -B -q -pl testkit -am package -DskipTests) >&2 || return 1
	fi
	echo "$jar"
}
