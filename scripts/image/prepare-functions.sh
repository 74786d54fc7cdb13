#!/usr/bin/env bash
# Turns the Boot jar into what the image runs: the extracted layout (faster class loading, and
# the only form the JDK's AOT cache works with) plus a JDK 25 AOT cache recorded by a training
# run that serves the app the requests production serves first (AotTraining.java: signed
# webhooks, CloudEvents, mapOrder, probes, against local stand-ins for the Orders API and the
# ERP), so that the first webhook after a cold start finds its classes in the cache too.
#
# Usage: prepare-functions.sh BOOT_JAR APP_DIR
#   Result: APP_DIR/functions.jar, APP_DIR/lib/, APP_DIR/functions.aot
#   AOT_TRAINING_CLASSPATH  folder holding a compiled AotTraining.class (the image build compiles
#                           it in its JDK stage: the runtime base is a JRE, which cannot run a
#                           source file); without it, AotTraining.java runs from source (a JDK).
#   JAVA_OPTS               reaches the training launch (run-functions.sh), as at run time
# The cache is only valid for the JVM build that recorded it: run this with the same java as
# the one that will run the app (the Dockerfile runs it in the runtime stage).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BOOT_JAR APP_DIR" >&2
  exit 2
fi
boot_jar=$1
app_dir=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
java_cmd=${JAVA_HOME:+$JAVA_HOME/bin/}java

mkdir -p "$app_dir"
rm -rf "${app_dir:?}/lib" "$app_dir/functions.jar" "$app_dir/functions.aot"
"$java_cmd" -Djarmode=tools -jar "$boot_jar" extract --destination "$app_dir"
if [[ ! -f "$app_dir/functions.jar" ]]; then
  # extract names the launcher jar after the input file; the run script expects functions.jar.
  mv "$app_dir/$(basename "$boot_jar")" "$app_dir/functions.jar"
fi

# The trainer is a small JVM of its own (C1, Serial GC: it only sends requests); it launches the
# app through run-functions.sh in train mode, so the cache is recorded with the production flags.
# Its configuration for the app is AOT-TRAINING-ONLY placeholders, set for that one process and
# never baked into the image (see AotTraining.java).
if [[ -n "${AOT_TRAINING_CLASSPATH:-}" ]]; then
  trainer=(-cp "$AOT_TRAINING_CLASSPATH" AotTraining)
else
  trainer=("$here/AotTraining.java")
fi
# Its output and the app's (hundreds of informational [aot] lines) are shown only when it fails.
training_log=$(mktemp)
if ! "$java_cmd" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${trainer[@]}" \
  "$here/run-functions.sh" "$app_dir" >"$training_log" 2>&1; then
  cat "$training_log" >&2
  echo "prepare-functions.sh: the AOT training run failed (output above)" >&2
  rm -f "$training_log"
  exit 1
fi
grep -E 'Started|AotTraining:|AOTCache creation is complete' "$training_log" || true
rm -f "$training_log"

if [[ ! -s "$app_dir/functions.aot" ]]; then
  echo "prepare-functions.sh: the training run did not write $app_dir/functions.aot" >&2
  exit 1
fi
echo "prepare-functions.sh: $app_dir ready ($(du -sh "$app_dir/functions.aot" | cut -f1) AOT cache)"
