#!/usr/bin/env bash
# Launches the functions app exactly as the container image does. This is the one place that
# holds the production JVM flags: the Dockerfile's ENTRYPOINT, the AOT training in
# prepare-functions.sh, the image check (scripts/ci/check-image.sh) and the benchmarks all go
# through it, so what is measured and trained is what runs.
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
#                      (AotTraining.java serves the app requests, then sends SIGTERM)
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

# A definition as a set: names sorted, blanks dropped ("mapOrder; orderWebhook" = "orderWebhook;mapOrder").
functions_of() {
  tr ';' '\n' <<<"$1" | tr -d ' \t' | grep -v '^$' | sort -u | paste -sd ';' - || true
}

wanted=$(functions_of "${SPRING_CLOUD_FUNCTION_DEFINITION:-}")
service_dir=
for candidate in "$app_dir"/services/*/; do
  if [[ -f "$candidate/definition" && -f "$candidate/spring-aot.jar" ]] \
    && [[ -n "$wanted" && "$(functions_of "$(<"$candidate/definition")")" == "$wanted" ]]; then
    service_dir=${candidate%/}
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

case "${FUNCTIONS_AOT_MODE:-run}" in
  run | train) ;;
  *)
    echo "run-functions.sh: FUNCTIONS_AOT_MODE must be run or train, not '${FUNCTIONS_AOT_MODE}'" >&2
    exit 2
    ;;
esac

if [[ -n "$service_dir" ]]; then
  cache="$service_dir/functions.aot"
  if [[ "${FUNCTIONS_AOT_MODE:-run}" == train ]]; then
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
  if [[ "${FUNCTIONS_AOT_MODE:-run}" == train ]]; then
    echo "run-functions.sh: no build in $app_dir/services/ for SPRING_CLOUD_FUNCTION_DEFINITION='${SPRING_CLOUD_FUNCTION_DEFINITION:-}': nothing to train" >&2
    exit 2
  fi
  echo "run-functions.sh: no build in $app_dir/services/ for SPRING_CLOUD_FUNCTION_DEFINITION='${SPRING_CLOUD_FUNCTION_DEFINITION:-}': starting without Spring AOT and AOT cache (slower cold start)" >&2
  launch=(-jar "$jar")
fi

# JAVA_OPTS is deliberately word-split: it is a list of flags.
# shellcheck disable=SC2206
extra=(${JAVA_OPTS:-})

exec "$java_cmd" "${jvm_flags[@]}" "${extra[@]}" "${launch[@]}" "$@"
