#!/usr/bin/env bash
# image:check job: the functions image's logic on a runner without a container runtime (GitLab's
# runners have no podman). Runs the scripts the image runs on the built Boot jar, with the job's
# Temurin JDK (the release the image is built on): scripts/image/prepare-functions.sh --build
# (extract + Spring AOT per Knative Service) and --train (each Service's AOT cache), then
# scripts/image/run-functions.sh, the image's launch, as order-webhook. Checks that every Service of
# knative/base has its build, that the launched app answers readiness from its Spring AOT code with
# its AOT cache mapped, that SIGTERM stops it, and that a definition without a build still starts
# (the plain jar, with a warning).
# What only the built image can show (read-only root filesystem, numeric user, PID 1 and its flags,
# the AOT cache used by the image's own JVM, liveness, requests through the front to the
# stand-ins) is checked by scripts/image/test-images.sh, on machines with buildah and podman.
# Ends with "N passed, N failed"; exits non-zero when a check failed.
#
# Usage: check-image.sh [BOOT_JAR]   (default functions/target/functions.jar, built when missing)
#   CHECK_IMAGE_PORT  first port to try (default 21080; the CI engineer's range is 21xxx)
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

# shellcheck source=scripts/java.sh
source scripts/java.sh
boot_jar=${1:-functions/target/functions.jar}
work=target/ci-image
app_dir="$work/app"
cwd_dir="$work/cwd"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
  echo "$passed passed, $failed failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}

app_pid=
# Called by the EXIT trap: stops the app this script started, if it still runs.
# shellcheck disable=SC2317
stop_app() {
  if [[ -n "$app_pid" ]] && kill -0 "$app_pid" 2>/dev/null; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
}
trap stop_app EXIT

java_version=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | sed -n 1p)
if [[ "$java_version" == *'"25'* ]]; then
  pass "java is JDK 25 ($java_version)"
else
  fail "java is not JDK 25: $java_version (set JAVA_HOME)"
  finish
fi

if [[ ! -f "$boot_jar" ]]; then
  log "$boot_jar missing: building it"
  ./mvnw -B -q -pl functions -am package -DskipTests
fi

rm -rf "$work"
mkdir -p "$work" "$cwd_dir"
# A private copy: other builds may rewrite functions/target while this runs.
cp "$boot_jar" "$work/functions.jar"

# --- extract + Spring AOT, then AOT training, as the image build does ----------------------------
if scripts/image/prepare-functions.sh --build "$work/functions.jar" "$app_dir" >"$work/prepare.log" 2>&1 \
  && scripts/image/prepare-functions.sh --train "$app_dir" >>"$work/prepare.log" 2>&1; then
  pass "prepare-functions.sh --build and --train: extract, Spring AOT and AOT cache per Service"
else
  tail -n 40 "$work/prepare.log" | sed 's/^/    /'
  fail "prepare-functions.sh failed (log: $work/prepare.log)"
  finish
fi
if [[ -f "$app_dir/functions.jar" && -d "$app_dir/lib" ]]; then
  pass "extracted layout: functions.jar, lib/"
else
  fail "extracted layout incomplete: $(ls "$app_dir")"
fi
# Every Knative Service has its build, for the definition its manifest sets.
for manifest in knative/base/service-*.yaml; do
  service=$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$manifest")
  definition=$(grep -A1 'name: SPRING_CLOUD_FUNCTION_DEFINITION$' "$manifest" | sed -n 's/^ *value: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p')
  dir="$app_dir/services/$service"
  if [[ -s "$dir/spring-aot.jar" && -s "$dir/functions.aot" && "$(cat "$dir/definition" 2>/dev/null)" == "$definition" ]]; then
    pass "$service ($definition): services/$service/ holds definition, spring-aot.jar, functions.aot"
  else
    fail "$service ($definition): build incomplete in $dir: $(find "$dir" -maxdepth 1 -type f -printf '%f ' 2>/dev/null)"
  fi
done

# --- the production launch -----------------------------------------------------------------------
port=${CHECK_IMAGE_PORT:-21080}
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
  ((port < 21200)) || die "no free port in 21080-21199"
done
base="http://127.0.0.1:$port"

# Starts the launch script with a function definition, configured for this check only: the Orders
# API and ERP point at a closed local port, which readiness and mapOrder never call. The secret is
# a labelled placeholder. Waits for readiness; sets app_pid.
start_app() {
  local definition=$1 logfile=$2 status=000
  (
    cd "$cwd_dir"
    exec env \
      SERVER_PORT="$port" \
      SPRING_CLOUD_FUNCTION_DEFINITION="$definition" \
      INTEGRATION_SECRETS_DIR="$CI_REPO_ROOT/$work/no-secrets/" \
      INTEGRATION_CUSTOMER_KEY=ci-image-check \
      INTEGRATION_WEBHOOK_SECRETS=whsec_Y2ktaW1hZ2UtY2hlY2stb25seS1ub3QtYS1zZWNyZXQ= \
      INTEGRATION_ORDERSAPI_BASEURL=http://127.0.0.1:21009 \
      INTEGRATION_ORDERSAPI_TOKEN=ci-image-check-only \
      INTEGRATION_ERP_BASEURL=http://127.0.0.1:21009 \
      SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI=http://127.0.0.1:21009/token \
      FUNCTIONS_APP_DIR="$CI_REPO_ROOT/$app_dir" \
      "$CI_REPO_ROOT/scripts/image/run-functions.sh"
  ) >"$logfile" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 240); do
    kill -0 "$app_pid" 2>/dev/null || break
    status=$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/health/readiness" || true)
    [[ "$status" == 200 ]] && break
    sleep 0.5
  done
  if [[ "$status" == 200 ]]; then
    pass "$definition: the launched app answers GET /actuator/health/readiness with 200"
  else
    tail -n 40 "$logfile" | sed 's/^/    /'
    fail "$definition: readiness answered $status (log: $logfile)"
    finish
  fi
}

# SIGTERM (what Kubernetes sends) ends the process through graceful shutdown.
stop_with_sigterm() {
  local stopped=false
  kill -TERM "$app_pid"
  for _ in $(seq 1 120); do
    if ! kill -0 "$app_pid" 2>/dev/null; then
      stopped=true
      break
    fi
    sleep 0.5
  done
  if $stopped; then
    wait "$app_pid" 2>/dev/null || true
    pass "SIGTERM stops the app"
  else
    fail "the app is still running 60 s after SIGTERM"
  fi
  app_pid=
}

start_app 'orderWebhook;mapOrder' "$work/run.log"

if grep -q 'Starting AOT-processed' "$work/run.log"; then
  pass "the app starts from its Spring AOT code (\"Starting AOT-processed\")"
else
  fail "the app did not start from Spring AOT code (log: $work/run.log)"
fi

# The JVM maps the cache only when it matches this class path and JVM build.
if grep -q 'services/order-webhook/functions\.aot' "/proc/$app_pid/maps"; then
  pass "the JVM mapped the Service's AOT cache (the cache matches this class path and JVM)"
else
  grep -i 'aot' "$work/run.log" | sed -n 1,10p | sed 's/^/    /'
  fail "the JVM did not map the AOT cache"
fi
stop_with_sigterm

# A definition no Service was built for: the plain jar starts, and says why it is slower.
start_app 'mapOrder' "$work/run-unbuilt.log"
cmdline=$(tr '\0' ' ' <"/proc/$app_pid/cmdline")
if [[ "$cmdline" == *"-jar $CI_REPO_ROOT/$app_dir/functions.jar"* && "$cmdline" != *spring.aot.enabled* ]] \
  && grep -q "run-functions.sh: no build in .* for SPRING_CLOUD_FUNCTION_DEFINITION='mapOrder'" "$work/run-unbuilt.log"; then
  pass "an unbuilt definition starts the plain jar, with a warning on stderr"
else
  fail "unbuilt definition: $cmdline (log: $work/run-unbuilt.log)"
fi
stop_with_sigterm

finish
