# shellcheck shell=bash
# Variables set here (ROOT, SAMPLE, SIGNED, ...) are used by the scripts that source this file.
# shellcheck disable=SC2034
# Shared by scripts/bench/coldstart.sh and scripts/bench/throughput.sh (sourced, not run).
# Everything started here listens on 127.0.0.1, ports 22xxx, and is stopped on exit.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)

# The benchmarks compare launches of one JVM build: JDK 25 (the AOT cache needs the same build
# for training and use).
# shellcheck source=scripts/java.sh
source "$ROOT/scripts/java.sh"
JAVA="$JAVA_HOME/bin/java"

APP_PORT=${BENCH_APP_PORT:-22080}
UPSTREAM_PORT=${BENCH_UPSTREAM_PORT:-22081}
SAMPLE="$ROOT/functions/src/test/resources/samples/webhooks/order-created.json"
JAR=${BENCH_JAR:-$ROOT/functions/target/functions.jar}
# Where prepare-functions.sh and run-functions.sh live (the production launch); overridable to
# try candidate flags on a copy before proposing them.
IMAGE_SCRIPTS=${BENCH_IMAGE_SCRIPTS:-$ROOT/scripts/image}
# Bench-only signing secret (base64 of "bench-only-not-a-real-secret-000"); never used anywhere else.
BENCH_WEBHOOK_SECRET=whsec_YmVuY2gtb25seS1ub3QtYS1yZWFsLXNlY3JldC0wMDA=
# What every testkit command that signs webhooks is given.
SIGNED=(--secret "$BENCH_WEBHOOK_SECRET" --sample "$SAMPLE")

BENCH_PIDS=()

# One benchmark at a time on this machine, from any clone: they share the 22xxx ports and the
# CPUs they measure. A second one waits for the first (up to 30 minutes).
mkdir -p "$ROOT/target/bench"
exec 9>"${TMPDIR:-/tmp}/scripts-bench-22xxx.lock"
if ! flock -n 9; then
	echo "[bench] another benchmark runs on this machine; waiting for it" >&2
	flock -w 1800 9 || { echo "[bench] gave up waiting for the other benchmark" >&2; exit 1; }
fi

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

stop_started() {
	local pid
	for pid in "${BENCH_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${BENCH_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	BENCH_PIDS=()
}

# A python3 that has matplotlib for the charts (bench.py; Debian's python3-matplotlib, installed
# through apt when missing).
chart_python() {
	local candidate
	for candidate in python3 /usr/bin/python3; do
		if command -v "$candidate" >/dev/null && "$candidate" -c 'import matplotlib' 2>/dev/null; then
			echo "$candidate"
			return
		fi
	done
	log "installing python3-matplotlib (Debian) for the chart"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-matplotlib; } >&2 \
		|| die "could not install python3-matplotlib: run apt-get install python3-matplotlib"
	echo /usr/bin/python3
}

# The functions jar: built when missing (or always with BENCH_BUILD=1). Other people rebuild
# functions/target while a benchmark runs, so every run works on its own copy.
prepare_jar() {
	local copy=$1
	if [[ ! -f "$JAR" || "${BENCH_BUILD:-0}" == 1 ]]; then
		log "building functions/target/functions.jar"
		(cd "$ROOT" && ./mvnw -B -q -pl functions -am package -DskipTests) || die "build failed"
	fi
	mkdir -p "$(dirname "$copy")"
	cp "$JAR" "$copy"
}

# The testkit's programs (fast stand-in, signer, cold-start floor and measurement), from a copy of
# its jar for the same reason: TESTKIT is that copy.
prepare_testkit() {
	local jar
	jar=$(testkit_jar) || die "could not build testkit/target/testkit.jar"
	TESTKIT=$1
	cp "$jar" "$TESTKIT"
}

testkit() { "$JAVA" -jar "$TESTKIT" "$@"; }

# Configuration of the app under test: what knative/base/config.env and the mounted Secrets give
# the order-webhook Service, pointed at the local stand-in. Secrets as files (configtree), as there.
app_environment() {
	local secrets=$1
	mkdir -p "$secrets"
	printf '%s' "$BENCH_WEBHOOK_SECRET" >"$secrets/integration.webhook.secrets"
	printf '%s' bench-token >"$secrets/integration.orders-api.token"
	printf '%s' bench-client >"$secrets/spring.security.oauth2.client.registration.erp.client-id"
	printf '%s' bench-client-secret >"$secrets/spring.security.oauth2.client.registration.erp.client-secret"
	printf '%s' client_credentials >"$secrets/spring.security.oauth2.client.registration.erp.authorization-grant-type"
	export INTEGRATION_SECRETS_DIR="$secrets/"
	export SERVER_PORT=$APP_PORT
	export SPRING_CLOUD_FUNCTION_DEFINITION='orderWebhook;mapOrder'
	export INTEGRATION_CUSTOMER_KEY=bench
	export INTEGRATION_ORDERSAPI_BASEURL="http://127.0.0.1:$UPSTREAM_PORT"
	export INTEGRATION_ORDERSAPI_DEADLINE=10s
	export INTEGRATION_ERP_BASEURL="http://127.0.0.1:$UPSTREAM_PORT/erp"
	export SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI="http://127.0.0.1:$UPSTREAM_PORT/erp/oauth/token"
	export LOGGING_LEVEL_ROOT=INFO
	# The container: knative/base/config.env's heap flags (its JAVA_OPTS) and a 512 MiB memory limit
	# (MaxRAM stands in for the cgroup limit). Every JVM variant runs inside it.
	export JAVA_TOOL_OPTIONS="-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
}

wait_http() {
	local url=$1 seconds=$2 i
	for ((i = 0; i < seconds * 10; i++)); do
		if curl -fsS -o /dev/null "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	die "no answer from $url within $seconds s"
}

# The fast (stateless) Orders API stand-in, started once, outside every measured process.
start_upstream() {
	local logfile=$1
	env -u JAVA_TOOL_OPTIONS ${BENCH_UPSTREAM_CPUS:+taskset -c "$BENCH_UPSTREAM_CPUS"} \
		"$JAVA" -XX:+UseSerialGC -Xmx256m -jar "$TESTKIT" orders-api --fast --port "$UPSTREAM_PORT" >"$logfile" 2>&1 &
	UPSTREAM_PID=$!
	BENCH_PIDS+=("$UPSTREAM_PID")
	wait_http "http://127.0.0.1:$UPSTREAM_PORT/health" 30
	# Warm it so its own JIT does not show up in the first measured request.
	local i
	for ((i = 0; i < 50; i++)); do
		curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' \
			"http://127.0.0.1:$UPSTREAM_PORT/api/v1/orders" || die "stand-in does not answer"
	done
}

machine_description() {
	printf 'nproc=%s mem=%s jdk=%s kernel=%s date=%s\n' "$(nproc)" \
		"$(awk '/MemTotal/ {printf "%.1fGiB", $2/1048576}' /proc/meminfo)" \
		"$("$JAVA" -version 2>&1 | sed -n 's/.*(build \(.*\))$/\1/p' | sed -n 1p)" \
		"$(uname -r)" "$(date -u +%Y-%m-%dT%H:%MZ)"
}
