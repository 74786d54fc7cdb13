#!/usr/bin/env bash
# Turns the Boot jar into what the image runs, one build per Knative Service of knative/base/
# (the functions of a Service are fixed by its SPRING_CLOUD_FUNCTION_DEFINITION):
#
#   APP_DIR/functions.jar, APP_DIR/lib/      the extracted jar (faster class loading, and the only
#                                            form the JDK's AOT cache works with), shared
#   APP_DIR/services/NAME/definition         the Service's function definition
#   APP_DIR/services/NAME/spring-aot.jar     Spring AOT for that definition: the bean definitions
#                                            generated at build time, compiled (needs a JDK)
#   APP_DIR/services/NAME/functions.aot      the JDK AOT cache, recorded by a training run that
#                                            serves the Service's functions the requests production
#                                            serves first (the testkit's aot-training command,
#                                            against its local stand-in for the Orders API and
#                                            the ERP)
#
# run-functions.sh picks the Service's folder by the definition it is started with.
#
# Usage: prepare-functions.sh BOOT_JAR APP_DIR           build and train (a JDK 25)
#        prepare-functions.sh --build BOOT_JAR APP_DIR   extract + Spring AOT only (a JDK 25)
#        prepare-functions.sh --train APP_DIR            AOT caches only (the JVM that will run it)
#   FUNCTIONS_SERVICES      the Services to build, by name (default: every knative/base/service-*.yaml)
#   FUNCTIONS_MANIFESTS     folder of those manifests (default: knative/base beside this script's repo)
#   AOT_TRAINING_JAR        the testkit's jar, which holds the training (default: this repository's
#                           testkit/target/testkit.jar; the image build mounts the one its JDK stage
#                           built, so nothing of it lands in a layer)
#   JAVA_OPTS               reaches the training launch (run-functions.sh), as at run time
# The cache is only valid for the JVM build that recorded it: train with the same java as the one
# that will run the app (the Dockerfile trains in the runtime stage).
set -euo pipefail

usage() {
  echo "usage: $0 [--build] BOOT_JAR APP_DIR | $0 --train APP_DIR" >&2
  exit 2
}
phases="build train"
case "${1:-}" in
  --build) phases=build; shift ;;
  --train) phases=train; shift ;;
esac
if [[ $phases == train ]]; then
  [[ $# -eq 1 ]] || usage
  app_dir=$1
else
  [[ $# -eq 2 ]] || usage
  boot_jar=$1
  app_dir=$2
fi
mkdir -p "$app_dir"
app_dir=$(cd "$app_dir" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
java_home_bin=${JAVA_HOME:+$JAVA_HOME/bin/}
java_cmd=${java_home_bin}java

fail() {
  echo "prepare-functions.sh: $*" >&2
  exit 1
}

training_jar=${AOT_TRAINING_JAR:-$here/../../testkit/target/testkit.jar}
[[ -f $training_jar ]] \
  || fail "$training_jar not found (build it: ./mvnw -B -pl testkit -am package -DskipTests, or set AOT_TRAINING_JAR)"
trainer=(-jar "$training_jar" aot-training)

# NAME=DEFINITION per Knative Service, from its manifest (metadata.name and the value of its
# SPRING_CLOUD_FUNCTION_DEFINITION variable).
service_definitions() {
  local manifests=${FUNCTIONS_MANIFESTS:-$here/../../knative/base} file line
  for file in "$manifests"/service-*.yaml; do
    [[ -f $file ]] || fail "no Knative Service manifests in $manifests (set FUNCTIONS_MANIFESTS)"
    line=$(awk '
      /^metadata:/ { meta = 1; next }
      meta && /^  name:/ { name = $2; meta = 0 }
      /name: SPRING_CLOUD_FUNCTION_DEFINITION$/ { getline; sub(/^.*value: */, ""); gsub(/"/, ""); print name "=" $0; exit }
    ' "$file")
    [[ $line == ?*=?* ]] || fail "$file: no metadata.name or SPRING_CLOUD_FUNCTION_DEFINITION value"
    echo "$line"
  done
}

# Extract + Spring AOT per Service.
build() {
  local work services name definition line main_class
  rm -rf "${app_dir:?}/lib" "$app_dir/functions.jar" "$app_dir/services"
  "$java_cmd" -Djarmode=tools -jar "$boot_jar" extract --destination "$app_dir"
  if [[ ! -f "$app_dir/functions.jar" ]]; then
    # extract names the launcher jar after the input file; the run script expects functions.jar.
    mv "$app_dir/$(basename "$boot_jar")" "$app_dir/functions.jar"
  fi
  work=$(mktemp -d)
  (cd "$work" && "${java_home_bin}jar" --extract --file "$app_dir/functions.jar" META-INF/MANIFEST.MF)
  main_class=$(sed -n 's/^Main-Class: *//p' "$work/META-INF/MANIFEST.MF" | tr -d '\r')
  [[ -n $main_class ]] || fail "$app_dir/functions.jar has no Main-Class"

  services=$(service_definitions)
  while IFS= read -r line; do
    name=${line%%=*}
    definition=${line#*=}
    if [[ -n "${FUNCTIONS_SERVICES:-}" && " $FUNCTIONS_SERVICES " != *" $name "* ]]; then
      continue
    fi
    echo "prepare-functions.sh: Spring AOT for $name ($definition)"
    local out="$work/$name" dir="$app_dir/services/$name"
    mkdir -p "$out/classes" "$dir"
    # The processor refreshes the context for AOT (conditions evaluated, no bean created) with the
    # Service's definition and the placeholder settings of its functions, so that every condition
    # sees what the Service will have; it writes Java sources, resources and generated classes.
    local -a env_vars
    mapfile -t env_vars < <("$java_cmd" "${trainer[@]}" --env "$definition" </dev/null)
    if ! env "${env_vars[@]}" "$java_cmd" -cp "$app_dir/functions.jar" \
      org.springframework.boot.SpringApplicationAotProcessor "$main_class" \
      "$out/sources" "$out/resources" "$out/classes" com.acme.integration "$name" </dev/null >"$out/process.log" 2>&1; then
      cat "$out/process.log" >&2
      fail "Spring AOT processing for $name failed (output above)"
    fi
    mapfile -t sources < <(find "$out/sources" -name '*.java')
    "${java_home_bin}javac" --release 25 -parameters -nowarn -cp "$app_dir/functions.jar" \
      -d "$out/classes" "${sources[@]}"
    # Resources other than GraalVM native-image metadata (which the JVM does not read).
    if [[ -d "$out/resources" ]]; then
      (cd "$out/resources" && find . -type f -not -path './META-INF/native-image/*' -exec cp --parents {} "$out/classes/" \;)
    fi
    printf 'Main-Class: %s\nClass-Path: ../../functions.jar\n' "$main_class" >"$out/manifest"
    "${java_home_bin}jar" --create --file "$dir/spring-aot.jar" --manifest "$out/manifest" -C "$out/classes" .
    printf '%s\n' "$definition" >"$dir/definition"
  done <<<"$services"
  rm -rf "$work"
  compgen -G "$app_dir/services/*/spring-aot.jar" >/dev/null || fail "no Service built (FUNCTIONS_SERVICES='${FUNCTIONS_SERVICES:-}')"
}

# The JDK AOT cache per Service. The trainer is a small JVM of its own (C1, Serial GC: it only
# sends requests); it launches the app through run-functions.sh in train mode, so the cache is
# recorded with the production flags and the Service's Spring AOT code.
train() {
  local dir name definition training_log
  for dir in "$app_dir"/services/*/; do
    dir=${dir%/}
    [[ -f $dir/definition ]] || fail "no Service in $app_dir/services/ (run --build first)"
    name=$(basename "$dir")
    definition=$(<"$dir/definition")
    rm -f "$dir/functions.aot"
    # Its output and the app's (hundreds of informational [aot] lines) are shown only when it fails.
    training_log=$(mktemp)
    if ! "$java_cmd" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${trainer[@]}" \
      "$here/run-functions.sh" "$app_dir" "$definition" >"$training_log" 2>&1; then
      cat "$training_log" >&2
      rm -f "$training_log"
      fail "the AOT training run of $name failed (output above)"
    fi
    grep -E 'Started|AotTraining:|AOTCache creation is complete' "$training_log" || true
    rm -f "$training_log"
    [[ -s "$dir/functions.aot" ]] || fail "the training run did not write $dir/functions.aot"
    echo "prepare-functions.sh: $name ready ($(du -sh "$dir/functions.aot" | cut -f1) AOT cache)"
  done
}

for phase in $phases; do
  "$phase"
done
