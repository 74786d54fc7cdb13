#!/usr/bin/env bash
# Throughput and latency of the order-webhook function under load, against
#   ceiling   the Orders API stand-in alone (what the load generator and the stand-in can do),
#   function  orderWebhook as deployed (production launch, scripts/image/run-functions.sh),
#   plain-mvc the same process with a plain Spring MVC controller taking POST /orderWebhook instead
#             of spring-cloud-function-web: same verifier, mapper, Orders API client, filters and
#             flags (PlainOrderWebhookController in the functions' test sources, loaded only here), so
#             the difference is the function layer,
#   peer      the FastAPI implementation of the same contract (scripts/bench/peer/), what a Python
#             team would have written: one uvicorn worker on the same CPU.
# This script prepares and starts the servers, side by side, each its own process on one CPU
# (taskset; a 1-CPU container) under the container's memory flags (512 MiB); the testkit's
# throughput command measures them with wrk on the other CPU, beside the stand-in, in alternating
# rounds (pre-signed webhooks, a new webhook id for every request; any non-2xx fails the run) and
# writes points.csv (medians), runs.csv (every run) and throughput.json to target/bench/throughput/;
# the chart is throughput.png. The last lines are `throughput_ratio=<function / plain-mvc requests/s
# at the highest concurrency>`, `peer_throughput_ratio=<function / peer requests/s>` and
# `peer_cpu_ratio=<peer / function CPU per request>`, the lower of 16 and 64 connections, each the
# median of per-round ratios.
#
# Usage: scripts/bench/throughput.sh [--smoke] [--publish]
#   --smoke    one round of 2-second runs, short warm-up (seconds, not minutes): checks that it all works
#   --publish  also copy the figures and chart to docs/bench-results/
# Environment: BENCH_CONNECTIONS="4 16 64", BENCH_DURATION=10 (s per run), BENCH_ROUNDS=3,
#              BENCH_WARMUP=20 (s per variant),
#              BENCH_VARIANTS="function plain-mvc peer function-c1 function-tiered" (function-c1: C1
#              only; function-tiered: C1 and C2 with a bounded code cache and two compiler threads;
#              function-g1: G1 instead of Serial; function-vt: Tomcat on virtual threads; flag choices
#              measured against the launch),
#              BENCH_BUILD=1 to rebuild the jar first, BENCH_PIN=0 not to pin CPUs,
#              BENCH_PROFILE=1 to record JFR (CPU-time sampling, lock contention) in every JVM variant
#              over the measured runs and print its hottest methods and contended monitors (the figures then
#              include JFR's overhead: profile and measure in separate runs).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SMOKE=0
PUBLISH=0
while [[ $# -gt 0 ]]; do
	case $1 in
		--smoke) SMOKE=1 ;;
		--publish) PUBLISH=1 ;;
		-h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
		*) die "unknown argument: $1" ;;
	esac
	shift
done
if [[ $SMOKE == 1 ]]; then
	CONNECTIONS=${BENCH_CONNECTIONS:-"4 16"}
	DURATION=${BENCH_DURATION:-2}
	WARMUP=${BENCH_WARMUP:-2}
	MAX_RATE=${BENCH_MAX_RATE:-2000}
	ROUNDS=${BENCH_ROUNDS:-1}
else
	CONNECTIONS=${BENCH_CONNECTIONS:-"4 16 64"}
	DURATION=${BENCH_DURATION:-10}
	WARMUP=${BENCH_WARMUP:-20}
	MAX_RATE=${BENCH_MAX_RATE:-4000}
	ROUNDS=${BENCH_ROUNDS:-3}
fi
if [[ $SMOKE == 1 ]]; then
	VARIANTS=${BENCH_VARIANTS:-function plain-mvc peer}
else
	VARIANTS=${BENCH_VARIANTS:-function plain-mvc peer function-c1 function-tiered}
fi
PEER_PYTHON=/usr/bin/python3
if [[ " $VARIANTS " == *" peer "* ]] \
	&& ! "$PEER_PYTHON" -c 'import fastapi, uvicorn, pydantic, httpx, uvloop, httptools, prometheus_client' 2>/dev/null; then
	die "the peer needs Debian's python3-fastapi python3-uvicorn python3-pydantic python3-httpx python3-uvloop python3-httptools python3-prometheus-client"
fi

command -v wrk >/dev/null || {
	log "installing wrk (Debian)"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >&2 || die "could not install wrk"
}

OUT="$ROOT/target/bench/throughput"
WORK="$OUT/work"
rm -rf "$OUT"
mkdir -p "$WORK"
trap stop_started EXIT

# One CPU for the app (a 1-CPU container), the other for wrk and the stand-in.
APP_CPUS=""
LOAD_CPUS=""
if [[ ${BENCH_PIN:-1} == 1 && $(nproc) -ge 2 ]]; then
	APP_CPUS=0
	LOAD_CPUS=1
	export BENCH_UPSTREAM_CPUS=$LOAD_CPUS
fi
log "machine: $(machine_description)"
prepare_jar "$WORK/functions.jar"
prepare_testkit "$WORK/testkit.jar"

# The plain MVC controller (functions' test classes, compiled by the Maven build of the jar), loaded as
# a (no-op) Java agent: the one way to add classes to the production launch (java -jar) without
# changing it. Both app variants load it, so both processes are identical; only bench.plain-mvc=true
# switches it on.
classes="$ROOT/functions/target/test-classes"
[[ -f $classes/com/acme/integration/orders/PlainMvcAgent.class ]] \
	|| die "no functions/target/test-classes: ./mvnw -B -pl functions -am package -DskipTests"
printf 'Premain-Class: com.acme.integration.orders.PlainMvcAgent\n' >"$WORK/plain-manifest.txt"
plain=()
for class in "$classes"/com/acme/integration/orders/Plain*.class; do
	[[ $class == *Tests* ]] || plain+=(-C "$classes" "${class#"$classes/"}")
done
"$JAVA_HOME/bin/jar" --create --file "$WORK/plain-mvc.jar" --manifest "$WORK/plain-manifest.txt" "${plain[@]}" \
	-C "$classes/plain-mvc" .
AGENT="-javaagent:$WORK/plain-mvc.jar"

# The production layout (extract + AOT cache training) by the image's own script. An agent adds
# java.instrument to the module graph, and a JDK 25 AOT cache is only used with the module graph
# it was trained with: so the training gets the agent too (JAVA_OPTS reaches the training launch).
log "preparing the production layout with scripts/image/prepare-functions.sh"
env -u JAVA_TOOL_OPTIONS JAVA_OPTS="$AGENT" FUNCTIONS_SERVICES=order-webhook \
	"$IMAGE_SCRIPTS/prepare-functions.sh" "$WORK/functions.jar" "$WORK/image" \
	>"$OUT/image-prepare.log" 2>&1 || die "image prepare failed (see $OUT/image-prepare.log)"

app_environment "$WORK/secrets"
start_upstream "$OUT/upstream.log"

# All app variants run side by side, each its own process on the app's CPU (an idle one takes no
# CPU time), so that they can be measured in alternation: slow phases of a shared machine then fall
# on every variant alike.
SPECS=()
port=$APP_PORT
for variant in $VARIANTS; do
	# -XX:AOTMode=on: the JVM refuses to start rather than run without the Service's AOT cache, and
	# -Xlog:aot=info puts its use in the log.
	extra_opts="$AGENT -XX:AOTMode=on -Xlog:aot=info"
	command=("$IMAGE_SCRIPTS/run-functions.sh")
	case $variant in
		function) label="orderWebhook (function)" ;;
		plain-mvc) label="plain Spring MVC endpoint"
			extra_opts+=" -Dbench.plain-mvc=true -Dspring.cloud.function.web.path=/function-layer-off" ;;
		function-c1) label="function, C1 only (-XX:TieredStopAtLevel=1)"
			extra_opts+=" -XX:TieredStopAtLevel=1" ;;
		function-tiered) label="function, C1+C2, 48 MiB code cache, 2 compiler threads"
			extra_opts+=" -XX:TieredStopAtLevel=4 -XX:ReservedCodeCacheSize=48m -XX:CICompilerCount=2" ;;
		function-vt) label="function, Tomcat on virtual threads"
			extra_opts+=" -Dspring.threads.virtual.enabled=true" ;;
		function-g1) label="function, G1 instead of Serial GC"
			extra_opts+=" -XX:-UseSerialGC -XX:+UseG1GC" ;;
		peer) label="FastAPI peer (Python)"
			command=("$PEER_PYTHON" "$BENCH_DIR/peer/peer.py") ;;
		*) die "unknown variant $variant" ;;
	esac
	log "$variant: starting ${command[*]##*/} on CPU ${APP_CPUS:-any}, port $port"
	# exec all the way down (subshell -> taskset -> run-functions.sh -> java): $! is the server.
	(
		export FUNCTIONS_APP_DIR="$WORK/image" JAVA_OPTS="$extra_opts" SERVER_PORT="$port"
		if [[ -n "$APP_CPUS" ]]; then
			exec taskset -c "$APP_CPUS" "${command[@]}"
		else
			exec "${command[@]}"
		fi
	) >"$OUT/app-$variant.log" 2>&1 &
	BENCH_PIDS+=("$!")
	SPECS+=(--variant "$variant|$label|http://127.0.0.1:$port/orderWebhook|$!")
	env -u JAVA_TOOL_OPTIONS "$JAVA" -jar "$TESTKIT" await "http://127.0.0.1:$port/orderWebhook" "${SIGNED[@]}" \
		|| die "$variant did not answer (see $OUT/app-$variant.log)"
	if [[ $variant == plain-mvc ]]; then
		grep -q 'bench: plain MVC controller' "$OUT/app-$variant.log" || die "the plain MVC controller is not active"
	fi
	if [[ $variant != peer ]]; then
		grep -m1 -i 'aot cache\|AOT-linked' "$OUT/app-$variant.log" | sed "s/^/[bench] $variant: /" >&2 || true
	fi
	port=$((port + 10))
done
measure=(--connections "${CONNECTIONS// /,}" --duration "${DURATION}s" --warmup "${WARMUP}s" --rounds "$ROUNDS"
	--max-rate "$MAX_RATE")
[[ -n $LOAD_CPUS ]] && measure+=(--load-cpus "$LOAD_CPUS")
[[ ${BENCH_PROFILE:-0} == 1 ]] && measure+=(--profile)
# The measuring JVM runs outside the container's flags, on the load CPU (wrk inherits it).
env -u JAVA_TOOL_OPTIONS ${LOAD_CPUS:+taskset -c "$LOAD_CPUS"} "$JAVA" -jar "$TESTKIT" throughput "${SIGNED[@]}" \
	--out "$OUT" --ceiling "http://127.0.0.1:$UPSTREAM_PORT/api/v1/orders|$UPSTREAM_PID" "${SPECS[@]}" "${measure[@]}" \
	>"$OUT/figures.txt" || die "the measurement failed"
machine_description >"$OUT/machine.txt"

CHART_PY=$(chart_python)
"$CHART_PY" "$BENCH_DIR/bench.py" throughput "$OUT/throughput.json" "$OUT/throughput.png" \
	--title "app on 1 CPU, $(nproc) shared cores"

if [[ $PUBLISH == 1 ]]; then
	mkdir -p "$ROOT/docs/bench-results"
	cp "$OUT/points.csv" "$ROOT/docs/bench-results/throughput.csv"
	cp "$OUT/runs.csv" "$ROOT/docs/bench-results/throughput-runs.csv"
	cp "$OUT/throughput.json" "$ROOT/docs/bench-results/throughput.json"
	cp "$OUT/machine.txt" "$ROOT/docs/bench-results/throughput-machine.txt"
	cp "$OUT/throughput.png" "$ROOT/docs/performance-throughput.png"
fi
log "all responses 2xx; results: $OUT (points.csv, runs.csv, throughput.json, throughput.png)"
cat "$OUT/figures.txt"
