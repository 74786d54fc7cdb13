#!/usr/bin/env bash
# Throughput and latency of the order-webhook function under load: wrk POSTs pre-signed webhooks
# (a new webhook id for every request) at several concurrencies against
#   ceiling   the Orders API stand-in alone (what the load generator and the stand-in can do),
#   function  orderWebhook as deployed (production launch, scripts/image/run-functions.sh),
#   plain-mvc the same process with a plain Spring MVC controller taking POST /orderWebhook instead
#             of spring-cloud-function-web: same verifier, mapper, Orders API client, filters and
#             flags (PlainOrderWebhookController in the functions' test sources, loaded only here), so
#             the difference is the function layer,
#   peer      the FastAPI implementation of the same contract (scripts/bench/peer/), what a Python
#             team would have written: one uvicorn worker on the same CPU.
# The app variants run side by side, each its own JVM on one CPU (taskset; a 1-CPU container),
# under the container's memory flags (512 MiB); wrk and the stand-in get the other CPU. They are
# measured in alternation, round after round, each round in a rotating order; the figure for a
# variant is its median over the rounds. Requests/s, p50, p99, RSS idle and after load go to
# target/bench/throughput/ (points.csv: medians, runs.csv: every run, JSON, PNG). Every response
# must be 2xx: the script fails otherwise.
# Each run also records the CPU the app used per request and the CPU wrk and the stand-in used (a
# saturated client cannot pass for a slow server).
# The last lines are `throughput_ratio=<function / plain-mvc requests/s at the highest concurrency>`
# and `peer_throughput_ratio=<function / peer requests/s>`, the lower of 16 and 64 connections, and
# `peer_cpu_ratio=<peer / function CPU per request>` (requests per CPU second: throughput per core
# whatever else the machine runs): each the median over the rounds of each round's ratio (both
# measured in the same round).
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
on_cpus() {
	local cpus=$1
	shift
	if [[ -n "$cpus" ]]; then
		taskset -c "$cpus" "$@"
	else
		"$@"
	fi
}

log "machine: $(machine_description)"
prepare_jar "$WORK/functions.jar"
prepare_testkit "$WORK/testkit.jar"

# The plain MVC controller (from the functions' test sources, compiled against the jar under test),
# loaded as a (no-op) Java agent: the one way to add classes to the production launch (java -jar)
# without changing it. Both app variants load it, so both processes are identical; only
# bench.plain-mvc=true switches it on.
rm -rf "$WORK/extract"
env -u JAVA_TOOL_OPTIONS "$JAVA" -Djarmode=tools -jar "$WORK/functions.jar" extract --destination "$WORK/extract" >/dev/null
mkdir -p "$WORK/plain-classes"
plain="$ROOT/functions/src/test/java/com/acme/integration/orders"
"$JAVA_HOME/bin/javac" -d "$WORK/plain-classes" -cp "$WORK/extract/functions.jar" -proc:none \
	"$plain/PlainOrderWebhookController.java" "$plain/PlainMvcInitializer.java" "$plain/PlainMvcAgent.java" \
	2>"$OUT/plain-mvc-javac.log" || { cat "$OUT/plain-mvc-javac.log" >&2; die "the plain MVC controller does not compile"; }
printf 'Premain-Class: com.acme.integration.orders.PlainMvcAgent\n' >"$WORK/plain-manifest.txt"
"$JAVA_HOME/bin/jar" --create --file "$WORK/plain-mvc.jar" --manifest "$WORK/plain-manifest.txt" -C "$WORK/plain-classes" . \
	-C "$ROOT/functions/src/test/resources/plain-mvc" .
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

RESULTS="$OUT/points.csv"
RUNS="$OUT/runs.csv"
echo "variant,round,connections,requests,requests_per_s,p50_ms,p90_ms,p99_ms,max_ms,non2xx,socket_errors,wrapped,app_cpu_ms_per_request,load_cpu_pct,upstream_cpu_pct" >"$RUNS"

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Runs wrk once against URL with C connections for D seconds, with freshly signed requests
# (timestamps must stay within the 5-minute tolerance). Prints wrk's RESULT line.
run_wrk() {
	local url=$1 connections=$2 seconds=$3 name=$4 app_pid=${5:-} rate=$MAX_RATE
	local threads=1 file="$WORK/requests.tsv"
	# The stand-in alone runs far faster than the app (and does not look at the ids).
	[[ $name == ceiling* ]] && rate=$((MAX_RATE * 5))
	((connections >= 8)) && threads=2
	# Enough unique requests for this run at up to `rate` requests/s (wrk reports any reuse).
	env -u JAVA_TOOL_OPTIONS "$JAVA" -jar "$TESTKIT" signed-requests "${SIGNED[@]}" --out "$file" \
		--count $((seconds * rate + 1000)) --prefix "$name$connections"
	local app_before upstream_before wrk_cpu app_ticks upstream_ticks result
	app_before=$( [[ -n "$app_pid" ]] && cpu_ticks "$app_pid" || echo 0)
	upstream_before=$(cpu_ticks "$UPSTREAM_PID")
	wrk_cpu=$( { TIMEFORMAT='%U %S'; time on_cpus "$LOAD_CPUS" wrk -t "$threads" -c "$connections" -d "${seconds}s" \
		--timeout 30s --latency -s "$BENCH_DIR/post-webhooks.lua" "$url" -- "$file" "$threads" \
		>"$OUT/wrk-$name-c$connections.txt" 2>&1; } 2>&1 ) || die "wrk failed (see $OUT/wrk-$name-c$connections.txt)"
	app_ticks=$(( $( [[ -n "$app_pid" ]] && cpu_ticks "$app_pid" || echo 0) - app_before ))
	upstream_ticks=$(( $(cpu_ticks "$UPSTREAM_PID") - upstream_before ))
	result=$(grep '^RESULT ' "$OUT/wrk-$name-c$connections.txt") || die "wrk printed no RESULT (see $OUT/wrk-$name-c$connections.txt)"
	# CPU figures: the app's per request, wrk's and the stand-in's as a share of one CPU over the run.
	awk -v r="$result" -v a="$app_ticks" -v u="$upstream_ticks" -v w="$wrk_cpu" -v t="$CLK_TCK" -v s="$seconds" 'BEGIN {
		match(r, / requests=[0-9]+/); n = substr(r, RSTART + 10, RLENGTH - 10) + 0
		split(w, cpu, " ")
		printf "%s app_cpu_ms_per_request=%.3f load_cpu_pct=%.1f upstream_cpu_pct=%.1f\n", r,
			(n > 0 ? a * 1000 / t / n : 0), (cpu[1] + cpu[2]) * 100 / s, u * 100 / t / s }'
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# One wrk run into runs.csv; any non-2xx response or socket error fails the benchmark.
record() {
	local name=$1 round=$2 connections=$3 result=$4
	local non2xx socket_errors
	non2xx=$(field non2xx "$result")
	socket_errors=$(field socket_errors "$result")
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$name" "$round" "$connections" "$(field requests "$result")" \
		"$(field requests_per_s "$result")" "$(field p50_ms "$result")" "$(field p90_ms "$result")" \
		"$(field p99_ms "$result")" "$(field max_ms "$result")" "$non2xx" "$socket_errors" \
		"$(field wrapped "$result")" "$(field app_cpu_ms_per_request "$result")" "$(field load_cpu_pct "$result")" \
		"$(field upstream_cpu_pct "$result")" >>"$RUNS"
	log "$name c=$connections round $round: $(field requests_per_s "$result") req/s, p50 $(field p50_ms "$result") ms, p99 $(field p99_ms "$result") ms, non-2xx $non2xx, socket errors $socket_errors, app CPU $(field app_cpu_ms_per_request "$result") ms/request, wrk $(field load_cpu_pct "$result") %, stand-in $(field upstream_cpu_pct "$result") % of a CPU"
	if [[ $non2xx != 0 || $socket_errors != 0 ]]; then
		grep '^FIRST_NON2XX' "$OUT/wrk-$name-c$connections.txt" >&2 || true
		die "$name c=$connections: $non2xx non-2xx responses, $socket_errors socket errors"
	fi
}

log "ceiling: the stand-in alone"
run_wrk "http://127.0.0.1:$UPSTREAM_PORT/api/v1/orders" "${CONNECTIONS##* }" "$WARMUP" ceiling-warmup >/dev/null
for c in $CONNECTIONS; do
	record ceiling 1 "$c" "$(run_wrk "http://127.0.0.1:$UPSTREAM_PORT/api/v1/orders" "$c" "$DURATION" ceiling)"
done

# All app variants run side by side, each its own JVM on the app's CPU (an idle one takes no CPU
# time), and are measured in alternation: every round runs each variant once per concurrency, in
# a rotating order. Slow phases of a shared machine then fall on every variant alike, which
# back-to-back series (one variant for minutes, then the next) did not ensure.
declare -A APP_PID APP_URL RSS_IDLE
port=$APP_PORT
for variant in $VARIANTS; do
	# -XX:AOTMode=on: the JVM refuses to start rather than run without the Service's AOT cache, and
	# -Xlog:aot=info puts its use in the log.
	extra_opts="$AGENT -XX:AOTMode=on -Xlog:aot=info"
	command=("$IMAGE_SCRIPTS/run-functions.sh")
	case $variant in
		function) ;;
		plain-mvc) extra_opts+=" -Dbench.plain-mvc=true -Dspring.cloud.function.web.path=/function-layer-off" ;;
		function-c1) extra_opts+=" -XX:TieredStopAtLevel=1" ;;
		function-tiered) extra_opts+=" -XX:TieredStopAtLevel=4 -XX:ReservedCodeCacheSize=48m -XX:CICompilerCount=2" ;;
		function-vt) extra_opts+=" -Dspring.threads.virtual.enabled=true" ;;
		function-g1) extra_opts+=" -XX:-UseSerialGC -XX:+UseG1GC" ;;
		peer) command=("$PEER_PYTHON" "$BENCH_DIR/peer/peer.py") ;;
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
	APP_PID[$variant]=$!
	BENCH_PIDS+=("$!")
	APP_URL[$variant]="http://127.0.0.1:$port/orderWebhook"
	env -u JAVA_TOOL_OPTIONS "$JAVA" -jar "$TESTKIT" await "${APP_URL[$variant]}" "${SIGNED[@]}" \
		|| die "$variant did not answer (see $OUT/app-$variant.log)"
	if [[ $variant == plain-mvc ]]; then
		grep -q 'bench: plain MVC controller' "$OUT/app-$variant.log" || die "the plain MVC controller is not active"
	fi
	if [[ $variant != peer ]]; then
		grep -m1 -i 'aot cache\|AOT-linked' "$OUT/app-$variant.log" | sed "s/^/[bench] $variant: /" >&2 || true
	fi
	port=$((port + 10))
done
sleep 3
read -ra variants <<<"$VARIANTS"
for variant in "${variants[@]}"; do
	RSS_IDLE[$variant]=$(($(ps -o rss= -p "${APP_PID[$variant]}") / 1024))
done
for variant in "${variants[@]}"; do
	log "$variant: warm-up ${WARMUP}s"
	run_wrk "${APP_URL[$variant]}" "${CONNECTIONS##* }" "$WARMUP" "$variant-warmup" "${APP_PID[$variant]}" >/dev/null
done
# Started after the warm-up with jcmd: JFR on the command line would add a module to the boot
# layer, and the JVM refuses an AOT cache recorded without it.
if [[ ${BENCH_PROFILE:-0} == 1 ]]; then
	for variant in "${variants[@]}"; do
		[[ $variant == peer ]] && continue
		"$JAVA_HOME/bin/jcmd" "${APP_PID[$variant]}" JFR.start name=bench settings=profile \
			'jdk.CPUTimeSample#enabled=true' 'jdk.CPUTimeSample#throttle=1ms' >/dev/null \
			|| die "$variant: JFR could not be started"
	done
fi
for c in $CONNECTIONS; do
	for ((round = 1; round <= ROUNDS; round++)); do
		for ((i = 0; i < ${#variants[@]}; i++)); do
			variant=${variants[$(((i + round - 1) % ${#variants[@]}))]}
			record "$variant" "$round" "$c" "$(run_wrk "${APP_URL[$variant]}" "$c" "$DURATION" "$variant-r$round" \
				"${APP_PID[$variant]}")"
		done
	done
done
if [[ ${BENCH_PROFILE:-0} == 1 ]]; then
	for variant in "${variants[@]}"; do
		[[ $variant == peer ]] && continue
		"$JAVA_HOME/bin/jcmd" "${APP_PID[$variant]}" JFR.dump name=bench filename="$OUT/$variant.jfr" >/dev/null \
			|| die "$variant: the JFR recording could not be dumped"
		for view in cpu-time-hot-methods contention-by-site; do
			echo "[bench] $variant: $view ($OUT/$variant.jfr)"
			"$JAVA_HOME/bin/jfr" view --width 160 "$view" "$OUT/$variant.jfr" | sed -n 1,28p
		done
	done
fi
RSS=""
for variant in "${variants[@]}"; do
	RSS+="$variant=${RSS_IDLE[$variant]}:$(($(ps -o rss= -p "${APP_PID[$variant]}") / 1024)) "
done

# Per variant and concurrency: the median requests/s over the rounds, with the latencies of the
# run that had it (points.csv, the published table).
"$PYTHON" "$BENCH_DIR/bench.py" medians --runs "$RUNS" --rss "$RSS" --out "$RESULTS"

machine_description >"$OUT/machine.txt"
"$PYTHON" - "$RESULTS" "$OUT/throughput.json" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
labels = {"ceiling": "stand-in alone (ceiling)", "function": "orderWebhook (function)",
          "plain-mvc": "plain Spring MVC endpoint", "peer": "FastAPI peer (Python)",
          "function-c1": "function, C1 only (-XX:TieredStopAtLevel=1)",
          "function-tiered": "function, C1+C2, 48 MiB code cache, 2 compiler threads",
          "function-g1": "function, G1 instead of Serial GC",
          "function-vt": "function, Tomcat on virtual threads"}
series = []
for name in dict.fromkeys(r["variant"] for r in rows):
    points = [{k: (float(v) if k not in ("variant",) and v != "" else v) for k, v in r.items()}
              for r in rows if r["variant"] == name]
    for p in points:
        p["connections"] = int(p["connections"])
    series.append({"variant": name, "label": labels.get(name, name), "points": points})
json.dump({"series": series}, open(sys.argv[2], "w"), indent=2)
print(f"{'variant':<12} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>7} {'CPU ms/req':>10} "
      f"{'wrk %':>6} {'stand-in %':>10} {'RSS idle':>8} {'RSS load':>8}")
for s in series:
    for p in s["points"]:
        print(f"{s['variant']:<12} {p['connections']:>5} {p['requests_per_s']:>9.1f} {p['p50_ms']:>8.2f} {p['p99_ms']:>8.2f} "
              f"{int(p['non2xx']):>7} {p['app_cpu_ms_per_request']:>10} {p['load_cpu_pct']:>6} {p['upstream_cpu_pct']:>10} "
              f"{p['rss_idle_mib'] or '':>8} {p['rss_after_mib'] or '':>8}")
EOF

CHART_PY=$(chart_python)
"$CHART_PY" "$BENCH_DIR/bench.py" chart throughput "$OUT/throughput.json" "$OUT/throughput.png" \
	--title "app on 1 CPU, $(nproc) shared cores"

if [[ $PUBLISH == 1 ]]; then
	mkdir -p "$ROOT/docs/bench-results"
	cp "$RESULTS" "$ROOT/docs/bench-results/throughput.csv"
	cp "$RUNS" "$ROOT/docs/bench-results/throughput-runs.csv"
	cp "$OUT/throughput.json" "$ROOT/docs/bench-results/throughput.json"
	cp "$OUT/machine.txt" "$ROOT/docs/bench-results/throughput-machine.txt"
	cp "$OUT/throughput.png" "$ROOT/docs/performance-throughput.png"
fi

top=${CONNECTIONS##* }
# The ratio is paired by round: within a round the two variants run seconds apart, so a slow or
# fast phase of the shared machine falls on both; its median over the rounds is the figure. The
# ratio of the two medians is printed beside it: with a phase change mid-run (both variants slower
# for some rounds) it can land far from every round's ratio.
ratio=$("$PYTHON" -c '
import csv, statistics, sys
top = sys.argv[3]
rps = {r["variant"]: float(r["requests_per_s"]) for r in csv.DictReader(open(sys.argv[1])) if r["connections"] == top}
rounds = {}
for r in csv.DictReader(open(sys.argv[2])):
    if r["connections"] == top:
        rounds.setdefault(r["round"], {})[r["variant"]] = float(r["requests_per_s"])
pairs = [v["function"] / v["plain-mvc"] for v in rounds.values() if "function" in v and "plain-mvc" in v]
if pairs:
    print("per-round ratios at %s connections: %s; ratio of the medians: %.3f"
          % (top, " ".join("%.3f" % p for p in pairs), rps["function"] / rps["plain-mvc"]), file=sys.stderr)
    print("%.3f" % statistics.median(pairs))
else:
    print("n/a (function and plain-mvc were not both measured)")' "$RESULTS" "$RUNS" "$top")
# Against the peer: at 16 and 64 connections (or the concurrencies measured), paired by round; the
# lower of the two is the figure, with the p99 ratio beside it.
peer=$("$PYTHON" -c '
import csv, statistics, sys
rounds = {}
for r in csv.DictReader(open(sys.argv[1])):
    rounds.setdefault((r["connections"], r["round"]), {})[r["variant"]] = r
lines, ratios, cpu = [], [], []
for c in sorted({c for c, _ in rounds}, key=int):
    pairs = [(float(v["function"]["requests_per_s"]) / float(v["peer"]["requests_per_s"]),
              float(v["function"]["p99_ms"]) / float(v["peer"]["p99_ms"]),
              float(v["peer"]["app_cpu_ms_per_request"]) / float(v["function"]["app_cpu_ms_per_request"]))
             for (cc, _), v in rounds.items() if cc == c and "function" in v and "peer" in v]
    if pairs:
        rps, p99, per_core = (statistics.median(p[i] for p in pairs) for i in range(3))
        lines.append("%s connections: requests/s %.3f, p99 %.3f, requests per CPU second %.3f" % (c, rps, p99, per_core))
        if c in ("16", "64"):
            ratios.append(rps)
            cpu.append(per_core)
print("function / peer, medians of the per-round ratios: " + ("; ".join(lines) or "no pair"), file=sys.stderr)
print("%.3f %.3f" % (min(ratios), min(cpu)) if ratios else "n/a n/a")' "$RUNS")
read -r peer peer_cpu <<<"$peer"
log "all responses 2xx; results: $OUT (points.csv, runs.csv, throughput.json, throughput.png)"
echo "throughput_ratio=$ratio"
echo "peer_throughput_ratio=$peer"
echo "peer_cpu_ratio=$peer_cpu"
