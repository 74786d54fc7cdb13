#!/usr/bin/env bash
# Launches the functions app exactly as the container image does. This is the one place that
# holds the production JVM flags: the Dockerfile's ENTRYPOINT, the AOT training in
# prepare-functions.sh, the image check (scripts/ci/check-image.sh) and the benchmarks all go
# through it, so what is measured and trained is what runs.
#
# Usage: run-functions.sh [app arguments...]
#   FUNCTIONS_APP_DIR  folder made by prepare-functions.sh (default /app): functions.jar, lib/,
#                      functions.aot
#   JAVA_OPTS          extra JVM flags, appended last so that they override the defaults below
#                      (e.g. -XX:MaxRAMPercentage=60 from an overlay)
#   FUNCTIONS_AOT_MODE run (default): use the AOT cache if present;
#                      train: record it (-XX:AOTCacheOutput); the JVM writes it when it stops
#                      (AotTraining.java serves the app requests, then sends SIGTERM)
set -euo pipefail

app_dir=${FUNCTIONS_APP_DIR:-/app}
jar="$app_dir/functions.jar"
cache="$app_dir/functions.aot"
java_cmd=${JAVA_HOME:+$JAVA_HOME/bin/}java

if [[ ! -f "$jar" ]]; then
  echo "run-functions.sh: $jar not found (run scripts/image/prepare-functions.sh first)" >&2
  exit 2
fi

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
  run)
    # The cache only matches this extracted jar and this JVM build; a stale or missing cache
    # makes the JVM start without it (with a warning), never fail.
    if [[ -f "$cache" ]]; then
      jvm_flags+=("-XX:AOTCache=$cache")
    fi
    ;;
  train)
    jvm_flags+=("-XX:AOTCacheOutput=$cache")
    ;;
  *)
    echo "run-functions.sh: FUNCTIONS_AOT_MODE must be run or train, not '${FUNCTIONS_AOT_MODE}'" >&2
    exit 2
    ;;
esac

# JAVA_OPTS is deliberately word-split: it is a list of flags.
# shellcheck disable=SC2206
extra=(${JAVA_OPTS:-})

exec "$java_cmd" "${jvm_flags[@]}" "${extra[@]}" -jar "$jar" "$@"
