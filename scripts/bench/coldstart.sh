#!/usr/bin/env bash
# Cold start of the order-webhook function: time from process launch to the first 200 from
# POST /orderWebhook for a valid signed webhook, with the Orders API stand-in already running
# outside the measured process. Variants alternate (the order rotates every round); medians,
# min/max and the RSS after the first response are written to target/bench/coldstart/ (CSV, JSON,
# PNG chart) and printed. The last lines are `coldstart_ratio=<median B / median A>` and
# `peer_coldstart_ratio=<median B / median peer>` (the testkit's coldstart command measures).
#
# Usage: scripts/bench/coldstart.sh [--smoke] [--runs N] [--publish]
#   --smoke    one run each of floor, A, B and peer (seconds, not minutes): checks that it all works
#   --runs N   rounds (default 5; BENCH_RUNS)
#   --publish  also copy the figures and chart to docs/bench-results/
# Variants (all under the container's env: knative/base/config.env's JAVA_TOOL_OPTIONS, 512 MiB):
#   floor         a trivial Java main answering 200 (JDK HttpServer), same JVM
#   A             java -jar functions.jar, default flags
#   B             the production launch: scripts/image/prepare-functions.sh + run-functions.sh
#   A-c1, A-lazy  A with -XX:TieredStopAtLevel=1 / spring.main.lazy-initialization=true
#   B-c1, B-tiered, B-lazy  B with C1 only / with C1 and C2 in a 48 MiB code cache and two
#                 compiler threads / with lazy initialisation (JAVA_OPTS of the launch)
#   B-refresh     B with its AOT cache recorded to the context refresh only (the Spring-documented
#                 training, -Dspring.context.exit=onRefresh); B's training serves requests first
#   cache-only    the extracted jar and a JDK AOT cache trained on 50 webhooks, without Spring AOT
#                 (the production launch before Spring AOT)
#   spring-aot    Spring AOT on the JVM without the AOT cache: B's spring-aot.jar, java -jar
#   peer          the FastAPI implementation of the same contract (scripts/bench/peer/), one uvicorn
#                 worker: what a Python team would have written
# Environment: BENCH_VARIANTS="floor A B ..." to choose, BENCH_BUILD=1 to rebuild the jar first,
#              BENCH_JAR, BENCH_IMAGE_SCRIPTS, BENCH_APP_PORT / BENCH_UPSTREAM_PORT.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${BENCH_RUNS:-5}
SMOKE=0
PUBLISH=0
while [[ $# -gt 0 ]]; do
	case $1 in
		--smoke) SMOKE=1 ;;
		--runs) RUNS=$2; shift ;;
		--publish) PUBLISH=1 ;;
		-h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
		*) die "unknown argument: $1" ;;
	esac
	shift
done

ALL_VARIANTS="floor A B peer A-c1 A-lazy B-c1 B-tiered B-lazy B-refresh cache-only spring-aot"
if [[ $SMOKE == 1 ]]; then
	RUNS=1
	VARIANTS=${BENCH_VARIANTS:-floor A B peer}
else
	VARIANTS=${BENCH_VARIANTS:-$ALL_VARIANTS}
fi

OUT="$ROOT/target/bench/coldstart"
WORK="$OUT/work"
rm -rf "$OUT"
mkdir -p "$WORK"
trap stop_started EXIT

log "machine: $(machine_description)"
prepare_jar "$WORK/functions.jar"
prepare_testkit "$WORK/testkit.jar"
app_environment "$WORK/secrets"
start_upstream "$OUT/upstream.log"

URL="http://127.0.0.1:$APP_PORT/orderWebhook"
q() { printf '%q' "$1"; }

# Starts the app from a jar in the background, sends it signed webhooks until `count` got a 200,
# then stops it with SIGTERM (the JVM writes an AOT cache it was asked for at exit).
exercise() {
	local count=$1 logfile=$2
	shift 2
	"$@" >"$logfile" 2>&1 &
	local pid=$!
	env -u JAVA_TOOL_OPTIONS "$JAVA" -jar "$TESTKIT" await "$URL" "${SIGNED[@]}" --count "$count" \
		|| { kill "$pid"; die "training run failed (see $logfile)"; }
	kill -TERM "$pid"
	wait "$pid" || true
}

extract() {
	local jar=$1 dest=$2
	rm -rf "$dest"
	env -u JAVA_TOOL_OPTIONS "$JAVA" -Djarmode=tools -jar "$jar" extract --destination "$dest" >/dev/null
}

# The production launch, exactly as the image runs it: the CI engineer's scripts/image/ scripts
# prepare (extract, Spring AOT and AOT cache training, as the image build does) and launch (the
# flags live there only). Prepared like the image build (no container env), run like Knative (with it).
PREPARE="$IMAGE_SCRIPTS/prepare-functions.sh"
LAUNCH="$IMAGE_SCRIPTS/run-functions.sh"

# B's layout, made once by the image's own script, for the order-webhook Service only.
SERVICE=order-webhook
prepare_image() {
	if [[ ! -f "$WORK/image/services/$SERVICE/functions.aot" ]]; then
		log "preparing B with scripts/image/prepare-functions.sh (extract, Spring AOT, AOT cache training)"
		env -u JAVA_TOOL_OPTIONS FUNCTIONS_SERVICES=$SERVICE "$PREPARE" "$WORK/functions.jar" "$WORK/image" \
			>"$OUT/image-prepare.log" 2>&1 || die "image prepare failed (see $OUT/image-prepare.log)"
	fi
}

# An app folder (extracted jar, no Spring AOT) whose AOT cache is recorded by the production JVM
# flags while it serves 50 signed webhooks. run-functions.sh finds no Service build there and
# starts the plain jar; the cache comes in through JAVA_OPTS.
train_on_requests() {
	local jar=$1 dir=$2
	extract "$jar" "$dir"
	log "training an AOT cache in $(basename "$dir") on 50 signed webhooks"
	exercise 50 "$OUT/$(basename "$dir")-training.log" \
		env FUNCTIONS_APP_DIR="$dir" JAVA_OPTS="-XX:AOTCacheOutput=$dir/functions.aot" "$LAUNCH"
	[[ -s "$dir/functions.aot" ]] || die "no AOT cache written (see $OUT/$(basename "$dir")-training.log)"
}

# A copy of B's layout whose AOT cache is recorded by the production launch (train mode) up to the
# context refresh.
train_on_refresh() {
	local dir=$1
	prepare_image
	rm -rf "$dir"
	cp -r "$WORK/image" "$dir"
	rm -f "$dir/services/$SERVICE/functions.aot"
	log "training an AOT cache in $(basename "$dir") up to the context refresh"
	env -u JAVA_TOOL_OPTIONS SERVER_PORT=0 FUNCTIONS_APP_DIR="$dir" FUNCTIONS_AOT_MODE=train \
		JAVA_OPTS="-Dspring.context.exit=onRefresh" "$LAUNCH" \
		>"$OUT/$(basename "$dir")-training.log" 2>&1 || die "training failed (see $OUT/$(basename "$dir")-training.log)"
	[[ -s "$dir/services/$SERVICE/functions.aot" ]] || die "no AOT cache written (see $OUT/$(basename "$dir")-training.log)"
}

launch() {
	local dir=$1 opts=${2:-}
	printf 'env FUNCTIONS_APP_DIR=%q JAVA_OPTS=%q %q' "$dir" "$opts" "$LAUNCH"
}

SPECS=()
add() { SPECS+=(--variant "$1|$2|$3"); }
for v in $VARIANTS; do
	case $v in
		floor)
			# Its one class out of the testkit's jar: the floor JVM opens no 20 MB jar either.
			mkdir -p "$WORK/floor"
			(cd "$WORK/floor" && "$JAVA_HOME/bin/jar" xf "$TESTKIT" com/acme/integration/testkit/bench/Floor.class)
			add floor "trivial Java main (JDK HttpServer), same JVM" \
				"$(q "$JAVA") -cp $(q "$WORK/floor") com.acme.integration.testkit.bench.Floor $APP_PORT" ;;
		A)
			add A "java -jar functions.jar, default flags" "$(q "$JAVA") -jar $(q "$WORK/functions.jar")" ;;
		B)
			prepare_image
			add B "production launch (scripts/image/run-functions.sh)" "$(launch "$WORK/image")" ;;
		A-c1)
			add A-c1 "A + -XX:TieredStopAtLevel=1" \
				"$(q "$JAVA") -XX:TieredStopAtLevel=1 -jar $(q "$WORK/functions.jar")" ;;
		A-lazy)
			add A-lazy "A + spring.main.lazy-initialization=true" \
				"$(q "$JAVA") -Dspring.main.lazy-initialization=true -jar $(q "$WORK/functions.jar")" ;;
		B-c1)
			prepare_image
			add B-c1 "B with C1 only (-XX:TieredStopAtLevel=1)" "$(launch "$WORK/image" -XX:TieredStopAtLevel=1)" ;;
		B-tiered)
			prepare_image
			add B-tiered "B with C1 and C2, 48 MiB code cache, 2 compiler threads" \
				"$(launch "$WORK/image" "-XX:TieredStopAtLevel=4 -XX:ReservedCodeCacheSize=48m -XX:CICompilerCount=2")" ;;
		peer)
			/usr/bin/python3 -c 'import fastapi, uvicorn, pydantic, httpx, uvloop, httptools, prometheus_client' 2>/dev/null \
				|| die "the peer needs Debian's python3-fastapi python3-uvicorn python3-pydantic python3-httpx python3-uvloop python3-httptools python3-prometheus-client"
			add peer "FastAPI peer (Python, scripts/bench/peer/), one uvicorn worker" \
				"/usr/bin/python3 $(q "$BENCH_DIR/peer/peer.py")" ;;
		B-lazy)
			prepare_image
			add B-lazy "B + spring.main.lazy-initialization=true" \
				"$(launch "$WORK/image" -Dspring.main.lazy-initialization=true)" ;;
		B-refresh)
			train_on_refresh "$WORK/refresh"
			add B-refresh "B, AOT cache trained to the context refresh only (no requests)" "$(launch "$WORK/refresh")" ;;
		cache-only)
			train_on_requests "$WORK/functions.jar" "$WORK/cache-only"
			add cache-only "extracted jar + AOT cache trained on 50 webhooks, no Spring AOT" \
				"$(launch "$WORK/cache-only" "-XX:AOTCache=$WORK/cache-only/functions.aot")" ;;
		spring-aot)
			prepare_image
			add spring-aot "Spring AOT on the JVM (B's spring-aot.jar, spring.aot.enabled), no AOT cache" \
				"$(q "$JAVA") -Dspring.aot.enabled=true -jar $(q "$WORK/image/services/$SERVICE/spring-aot.jar")" ;;
		*) die "unknown variant $v (known: $ALL_VARIANTS)" ;;
	esac
done

log "measuring $RUNS alternating round(s) of: $VARIANTS"
# The measuring JVM keeps the container's JAVA_TOOL_OPTIONS in its environment: the variants it
# launches inherit them.
testkit coldstart --url "$URL" "${SIGNED[@]}" --out "$OUT" --runs "$RUNS" "${SPECS[@]}" >"$OUT/figures.txt" \
	|| die "the measurement failed"
machine_description >"$OUT/machine.txt"

CHART_PY=$(chart_python)
"$CHART_PY" "$BENCH_DIR/bench.py" coldstart "$OUT/coldstart.json" "$OUT/coldstart.png" \
	--title "$(nproc) shared cores, JDK $("$JAVA" -version 2>&1 | sed -n 's/.*(build \([^)]*\)).*/\1/p' | sed -n 1p)"

if [[ $PUBLISH == 1 ]]; then
	mkdir -p "$ROOT/docs/bench-results"
	cp "$OUT/coldstart.csv" "$OUT/coldstart-runs.csv" "$OUT/coldstart.json" "$OUT/machine.txt" "$ROOT/docs/bench-results/"
	mv "$ROOT/docs/bench-results/machine.txt" "$ROOT/docs/bench-results/coldstart-machine.txt"
	cp "$OUT/coldstart.png" "$ROOT/docs/performance-coldstart.png"
fi

log "results: $OUT (coldstart.csv, coldstart-runs.csv, coldstart.json, coldstart.png)"
cat "$OUT/figures.txt"
