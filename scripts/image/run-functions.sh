#!/usr/bin/env bash
# Launches the functions app exactly as the container image does. This is the one place that
# holds the production JVM flags: the Dockerfile's ENTRYPOINT, the AOT training in
# prepare-functions.sh, the image checks (scripts/ci/check-image.sh on the host, test-images.sh in
# the built image) and the benchmarks all go through it, so what is measured and trained is what
# runs.
#
# Usage: run-functions.sh [app arguments...]
#   FUNCTIONS_APP_DIR  folder made by prepare-functions.sh (default /app): functions.jar, lib/, and
#                      per Knative Service services/NAME/ with definition, spring-aot.jar,
#                      functions.aot
#   SPRING_CLOUD_FUNCTION_DEFINITION
#                      the functions to serve (set per Knative Service); it picks the Service's
#                      build: the services/NAME/ whose definition names the same functions
#   JAVA_OPTS          extra JVM flags, appended last so that they override the defaults below
#                      (e.g. -XX:MaxRAMPercentage=60 from an overlay)
#   FUNCTIONS_AOT_MODE run (default): use the Service's AOT cache if present;
#                      train: record it (-XX:AOTCacheOutput); the JVM writes it when it stops
#                      (the testkit's aot-training serves the app requests, then sends SIGTERM)
#
# With a Service's build, the app starts from its Spring AOT code (spring-aot.jar,
# -Dspring.aot.enabled=true: bean definitions generated at build time instead of configuration
# classes parsed and conditions evaluated at every start) and its JDK AOT cache. Spring AOT fixes the
# conditions at build time, so it is only used for the functions it was built for; any other
# definition starts the plain app (correct, slower: no Spring AOT, no cache) and says so on stderr.
set -euo pipefail

app_dir=${FUNCTIONS_APP_DIR:-/app}
jar="$app_dir/functions.jar"
java_cmd=${JAVA_HOME:+$JAVA_HOME/bin/}java

if [[ ! -f "$jar" ]]; then
  echo "run-functions.sh: $jar not found (run scripts/image/prepare-functions.sh first)" >&2
  exit 2
fi

# Whether two function definitions name the same functions, order, blanks and repeats aside
# ("mapOrder; orderWebhook" = "orderWebhook;mapOrder"). Plain bash, no subshell or external
# command: this runs before the JVM on every cold start, where forking a pipeline per Service
# cost about 0.1 s on the benchmark machine.
same_functions() {
  local - IFS=';' name first=" " second=" "
  set -f
  for name in $1; do
    name=${name//[[:space:]]/}
    [[ -z $name || $first == *" $name "* ]] || first+="$name "
  done
  for name in $2; do
    name=${name//[[:space:]]/}
    [[ -z $name || $second == *" $name "* ]] || second+="$name "
  done
  # Both without repeats: same length and every name of the first in the second is the same set.
  [[ $first != " " && ${#first} -eq ${#second} ]] || return 1
  IFS=' '
  for name in $first; do
    [[ $second == *" $name "* ]] || return 1
  done
}

mode=${FUNCTIONS_AOT_MODE:-run}
if [[ $mode != run && $mode != train ]]; then
  echo "run-functions.sh: FUNCTIONS_AOT_MODE must be run or train, not '$mode'" >&2
  exit 2
fi

service_dir=
for candidate in "$app_dir"/services/*; do
  [[ -f "$candidate/definition" && -f "$candidate/spring-aot.jar" ]] || continue
  read -r built <"$candidate/definition" || true
  if same_functions "${SPRING_CLOUD_FUNCTION_DEFINITION:-}" "$built"; then
    service_dir=$candidate
    break
  fi
done

# Container flags. The heap follows the container's memory limit; an OutOfMemoryError ends the
# process so that Kubernetes restarts it instead of leaving a half-working JVM serving traffic.
# /tmp is the only writable path in the image (readOnlyRootFilesystem + an emptyDir).
# The GC is named rather than left to ergonomics: ergonomics picks by the CPUs and memory it
# sees, which differ between the image build (where the AOT cache is trained) and a 1-CPU
# Knative container; Serial is what ergonomics picks for the latter anyway.
# C1 only (TieredStopAtLevel=1): with scale to zero every cold start is on a customer's request,
# and on one CPU C2 compilations compete with start-up and the first requests; measured in
# docs/performance.md (scripts/bench/coldstart.sh: B against B-c2, throughput.sh: function-c2).
jvm_flags=(
  -XX:MaxRAMPercentage=75.0
  -XX:+ExitOnOutOfMemoryError
  -XX:+UseSerialGC
  -XX:TieredStopAtLevel=1
  -Djava.io.tmpdir=/tmp
)

if [[ -n "$service_dir" ]]; then
  cache="$service_dir/functions.aot"
  if [[ $mode == train ]]; then
    jvm_flags+=("-XX:AOTCacheOutput=$cache")
  elif [[ -f "$cache" ]]; then
    # The cache only matches this class path and this JVM build; a stale or missing cache makes
    # the JVM start without it (with a warning), never fail.
    jvm_flags+=("-XX:AOTCache=$cache")
  fi
  jvm_flags+=(-Dspring.aot.enabled=true)
  # spring-aot.jar's manifest names the main class and puts ../../functions.jar (whose manifest
  # adds lib/) after the Spring AOT classes on the class path.
  launch=(-jar "$service_dir/spring-aot.jar")
else
  unbuilt="no build in $app_dir/services/ for SPRING_CLOUD_FUNCTION_DEFINITION='${SPRING_CLOUD_FUNCTION_DEFINITION:-}'"
  if [[ $mode == train ]]; then
    echo "run-functions.sh: $unbuilt: nothing to train" >&2
    exit 2
  fi
  echo "run-functions.sh: $unbuilt: starting without Spring AOT and AOT cache (slower cold start)" >&2
  launch=(-jar "$jar")
fi

# JAVA_OPTS is deliberately word-split: it is a list of flags.
# shellcheck disable=SC2206
extra=(${JAVA_OPTS:-})

exec "$java_cmd" "${jvm_flags[@]}" "${extra[@]}" "${launch[@]}" "$@"
