#!/usr/bin/env bash
# Cold start of the order-webhook function: time from process launch to the first 200 from
# POST /orderWebhook for a valid signed webhook, with the Orders API stand-in already running
# outside the measured process. Variants alternate (the order rotates every round); medians,
# min/max and the RSS after the first response are written to target/bench/coldstart/ (CSV, JSON,
# PNG chart) and printed. The last line is `coldstart_ratio=<median B / median A>`.
#
# Usage: scripts/bench/coldstart.sh [--smoke] [--runs N] [--publish]
#   --smoke    one run each of floor, A and B (seconds, not minutes): checks that it all works
#   --runs N   rounds (default 5; BENCH_RUNS)
#   --publish  also copy the figures and chart to docs/bench-results/
# Variants (all under the container's env: knative/base/config.yaml's JAVA_TOOL_OPTIONS, 512 MiB):
#   floor         a trivial Java main answering 200 (JDK HttpServer), same JVM
#   A             java -jar functions.jar, default flags
#   B             the production launch: scripts/image/prepare-functions.sh + run-functions.sh
#   A-c1, A-lazy  A with -XX:TieredStopAtLevel=1 / spring.main.lazy-initialization=true
#   B-c2, B-lazy  B with C2 back on / with lazy initialisation (JAVA_OPTS of the launch)
#   B-refresh     B with an AOT cache recorded to the context refresh only (the Spring-documented
#                 training, -Dspring.context.exit=onRefresh); B's training serves requests first
#   spring-aot    Spring AOT on the JVM (process-aot build in target/bench, spring.aot.enabled)
#   spring-aot-B  Spring AOT through the production launch, cache recorded on 50 webhooks (not
#                 AotTraining's full set: this build has the functions of one Service only)
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

ALL_VARIANTS="floor A B A-c1 A-lazy B-c2 B-lazy B-refresh spring-aot spring-aot-B"
if [[ $SMOKE == 1 ]]; then
	RUNS=1
	VARIANTS=${BENCH_VARIANTS:-floor A B}
else
	VARIANTS=${BENCH_VARIANTS:-$ALL_VARIANTS}
fi

OUT="$ROOT/target/bench/coldstart"
WORK="$OUT/work"
rm -rf "$OUT"
mkdir -p "$WORK"
AOT_BUILD="$ROOT/target/bench/spring-aot-build"
trap stop_started EXIT

log "machine: $(machine_description)"
prepare_jar "$WORK/functions.jar"
compile_bench_classes "$WORK/classes"
app_environment "$WORK/secrets"
start_upstream "$WORK/classes" "$OUT/upstream.log"

URL="http://127.0.0.1:$APP_PORT/orderWebhook"
q() { printf '%q' "$1"; }

# Starts the app from a jar in the background, sends it signed webhooks until `count` got a 200,
# then stops it with SIGTERM (the JVM writes an AOT cache it was asked for at exit).
exercise() {
	local count=$1 logfile=$2
	shift 2
	"$@" >"$logfile" 2>&1 &
	local pid=$!
	"$PYTHON" - "$BENCH_DIR" "$URL" "$SAMPLE" "$count" <<'EOF' || { kill "$pid"; die "training run failed (see $logfile)"; }
import sys, time
sys.path.insert(0, sys.argv[1])
import bench
url, sample, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
template, secret = bench.load_template(sample), __import__("os").environ["BENCH_WEBHOOK_SECRET"]
deadline, ok, seq = time.monotonic() + 180, 0, 0
while ok < count and time.monotonic() < deadline:
    seq += 1
    try:
        status, _ = bench.post(url, secret, template, seq, timeout=30)
    except OSError:
        time.sleep(0.05)
        continue
    ok += status == 200
sys.exit(0 if ok >= count else 1)
EOF
	kill -TERM "$pid"
	wait "$pid" || true
}

extract() {
	local jar=$1 dest=$2
	rm -rf "$dest"
	env -u JAVA_TOOL_OPTIONS "$JAVA" -Djarmode=tools -jar "$jar" extract --destination "$dest" >/dev/null
}

# Spring AOT on the JVM: the same sources built with spring-boot:process-aot, in a copy of the
# reactor under target/ so the shared functions/target is left alone.
spring_aot_jar() {
	local src=$AOT_BUILD
	# Rebuilt when the functions sources changed since the last Spring AOT build.
	if [[ ! -f "$src/functions/target/functions.jar" ]] \
		|| [[ -n "$(find "$ROOT/functions/src/main" "$ROOT/functions/pom.xml" -newer "$src/functions/target/functions.jar" -print -quit)" ]]; then
		rm -rf "$src"
		log "building a Spring AOT jar (process-aot) in $src"
		mkdir -p "$src"
		cp -r "$ROOT/pom.xml" "$ROOT/mvnw" "$ROOT/.mvn" "$src/"
		mkdir -p "$src/functions"
		cp -r "$ROOT/functions/pom.xml" "$ROOT/functions/src" "$src/functions/"
		# Only functions in the copy's reactor (the first <modules> block; profiles keep theirs).
		"$PYTHON" -c 'import re, sys
pom = open(sys.argv[1]).read()
pom = re.sub(r"<modules>.*?</modules>", "<modules><module>functions</module></modules>", pom, count=1, flags=re.S)
open(sys.argv[1], "w").write(pom)' "$src/pom.xml"
		# An execution id of its own: the pom's default-cli execution points at the sandbox main class.
		(cd "$src" && env -u JAVA_TOOL_OPTIONS ./mvnw -B -q -pl functions -Dmaven.test.skip=true \
			compile org.springframework.boot:spring-boot-maven-plugin:process-aot@bench-aot package) >"$ROOT/target/bench/spring-aot-build.log" 2>&1 \
			|| die "Spring AOT build failed (see target/bench/spring-aot-build.log)"
	fi
	echo "$src/functions/target/functions.jar"
}

# The production launch, exactly as the image runs it: the CI engineer's scripts/image/ scripts
# prepare (extract + AOT cache training, as the image build does) and launch (the flags live
# there only). Prepared like the image build (no container env), run like Knative (with it).
PREPARE="$IMAGE_SCRIPTS/prepare-functions.sh"
LAUNCH="$IMAGE_SCRIPTS/run-functions.sh"

# B's layout, made once by the image's own script.
prepare_image() {
	if [[ ! -f "$WORK/image/functions.aot" ]]; then
		log "preparing B with scripts/image/prepare-functions.sh (extract + AOT cache training)"
		env -u JAVA_TOOL_OPTIONS "$PREPARE" "$WORK/functions.jar" "$WORK/image" >"$OUT/image-prepare.log" 2>&1 \
			|| die "image prepare failed (see $OUT/image-prepare.log)"
	fi
}

# An app folder (extracted JAR) whose AOT cache is recorded by the production launch while it
# serves 50 signed webhooks, instead of stopping at the context refresh.
train_on_requests() {
	local jar=$1 dir=$2 opts=${3:-}
	extract "$jar" "$dir"
	log "training an AOT cache in $(basename "$dir") on 50 signed webhooks"
	exercise 50 "$OUT/$(basename "$dir")-training.log" \
		env FUNCTIONS_APP_DIR="$dir" JAVA_OPTS="$opts -XX:AOTCacheOutput=$dir/functions.aot" "$LAUNCH"
	[[ -s "$dir/functions.aot" ]] || die "no AOT cache written (see $OUT/$(basename "$dir")-training.log)"
}

# An app folder whose AOT cache is recorded by the production launch up to the context refresh.
train_on_refresh() {
	local jar=$1 dir=$2
	extract "$jar" "$dir"
	log "training an AOT cache in $(basename "$dir") up to the context refresh"
	env -u JAVA_TOOL_OPTIONS SERVER_PORT=0 FUNCTIONS_APP_DIR="$dir" \
		JAVA_OPTS="-XX:AOTCacheOutput=$dir/functions.aot -Dspring.context.exit=onRefresh" "$LAUNCH" \
		>"$OUT/$(basename "$dir")-training.log" 2>&1 || die "training failed (see $OUT/$(basename "$dir")-training.log)"
	[[ -s "$dir/functions.aot" ]] || die "no AOT cache written (see $OUT/$(basename "$dir")-training.log)"
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
			add floor "trivial Java main (JDK HttpServer), same JVM" \
				"$(q "$JAVA") -cp $(q "$WORK/classes") BenchFloor $APP_PORT" ;;
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
		B-c2)
			prepare_image
			add B-c2 "B with C2 back (-XX:TieredStopAtLevel=4)" "$(launch "$WORK/image" -XX:TieredStopAtLevel=4)" ;;
		B-lazy)
			prepare_image
			add B-lazy "B + spring.main.lazy-initialization=true" \
				"$(launch "$WORK/image" -Dspring.main.lazy-initialization=true)" ;;
		B-refresh)
			train_on_refresh "$WORK/functions.jar" "$WORK/refresh"
			add B-refresh "B, AOT cache trained to the context refresh only (no requests)" "$(launch "$WORK/refresh")" ;;
		spring-aot)
			aot_jar=$(spring_aot_jar)
			add spring-aot "Spring AOT on the JVM (process-aot, spring.aot.enabled), java -jar" \
				"$(q "$JAVA") -Dspring.aot.enabled=true -jar $(q "$aot_jar")" ;;
		spring-aot-B)
			aot_jar=$(spring_aot_jar)
			train_on_requests "$aot_jar" "$WORK/spring-aot-b" -Dspring.aot.enabled=true
			add spring-aot-B "Spring AOT + production launch, cache trained on 50 webhooks" \
				"$(launch "$WORK/spring-aot-b" -Dspring.aot.enabled=true)" ;;
		*) die "unknown variant $v (known: $ALL_VARIANTS)" ;;
	esac
done

log "measuring $RUNS alternating round(s) of: $VARIANTS"
(cd "$ROOT" && "$PYTHON" scripts/bench/bench.py coldstart --url "$URL" --sample "$SAMPLE" --out "$OUT" \
	--runs "$RUNS" "${SPECS[@]}")
machine_description >"$OUT/machine.txt"

CHART_PY=$(chart_python)
"$CHART_PY" "$BENCH_DIR/bench.py" chart coldstart "$OUT/coldstart.json" "$OUT/coldstart.png" \
	--title "$(nproc) shared cores, JDK $("$JAVA" -version 2>&1 | sed -n 's/.*(build \([^)]*\)).*/\1/p' | head -1)"

if [[ $PUBLISH == 1 ]]; then
	mkdir -p "$ROOT/docs/bench-results"
	cp "$OUT/coldstart.csv" "$OUT/coldstart-runs.csv" "$OUT/coldstart.json" "$OUT/machine.txt" "$ROOT/docs/bench-results/"
	mv "$ROOT/docs/bench-results/machine.txt" "$ROOT/docs/bench-results/coldstart-machine.txt"
	cp "$OUT/coldstart.png" "$ROOT/docs/performance-coldstart.png"
fi

ratio=$("$PYTHON" -c '
import json, sys
v = {s["variant"]: s["seconds"]["median"] for s in json.load(open(sys.argv[1]))["variants"]}
print("%.3f" % (v["B"] / v["A"]) if "A" in v and "B" in v else "n/a (A and B were not both measured)")' "$OUT/coldstart.json")
log "results: $OUT (coldstart.csv, coldstart-runs.csv, coldstart.json, coldstart.png)"
echo "coldstart_ratio=$ratio"
