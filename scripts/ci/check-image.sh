#!/usr/bin/env bash
# image:check job and the project's test of the image logic, without a Docker engine: runs the
# same scripts the functions image runs (scripts/image/prepare-functions.sh: extract + AOT
# training; scripts/image/run-functions.sh: the production launch) on the built Boot jar, then
# checks that the launched app answers its probes, runs with the production flags, maps the AOT
# cache, writes nothing into its folder or working directory, and stops on SIGTERM.
# Ends with "N passed, N failed"; exits non-zero when a check failed.
#
# Usage: check-image.sh [BOOT_JAR]   (default functions/target/functions.jar, built when missing)
#   CHECK_IMAGE_PORT  first port to try (default 21080; the CI engineer's range is 21xxx)
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
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

java_version=$("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -n1)
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

# --- extract + AOT training, as the image build does ---------------------------------------------
if scripts/image/prepare-functions.sh "$work/functions.jar" "$app_dir" >"$work/prepare.log" 2>&1; then
  pass "prepare-functions.sh extracts the jar and trains the AOT cache"
else
  tail -n 40 "$work/prepare.log" | sed 's/^/    /'
  fail "prepare-functions.sh failed (log: $work/prepare.log)"
  finish
fi
if [[ -f "$app_dir/functions.jar" && -d "$app_dir/lib" && -s "$app_dir/functions.aot" ]]; then
  pass "extracted layout: functions.jar, lib/, functions.aot"
else
  fail "extracted layout incomplete: $(ls "$app_dir")"
fi
find "$app_dir" -type f | sort >"$work/app-files.before"

# --- the production launch -----------------------------------------------------------------------
port=${CHECK_IMAGE_PORT:-21080}
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
  ((port < 21200)) || die "no free port in 21080-21199"
done
base="http://127.0.0.1:$port"

# Configuration for this check only: the Orders API and ERP point at a closed local port, which
# readiness never calls. The secret is a labelled placeholder.
(
  cd "$cwd_dir"
  exec env \
    SERVER_PORT="$port" \
    SPRING_CLOUD_FUNCTION_DEFINITION='orderWebhook;mapOrder' \
    INTEGRATION_SECRETS_DIR="$CI_REPO_ROOT/$work/no-secrets/" \
    INTEGRATION_CUSTOMER_KEY=ci-image-check \
    INTEGRATION_WEBHOOK_SECRETS=whsec_Y2ktaW1hZ2UtY2hlY2stb25seS1ub3QtYS1zZWNyZXQ= \
    INTEGRATION_ORDERSAPI_BASEURL=http://127.0.0.1:21009 \
    INTEGRATION_ORDERSAPI_TOKEN=ci-image-check-only \
    INTEGRATION_ERP_BASEURL=http://127.0.0.1:21009 \
    SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTID=ci-image-check-only \
    SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTSECRET=ci-image-check-only \
    SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_AUTHORIZATIONGRANTTYPE=client_credentials \
    SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI=http://127.0.0.1:21009/token \
    FUNCTIONS_APP_DIR="$CI_REPO_ROOT/$app_dir" \
    "$CI_REPO_ROOT/scripts/image/run-functions.sh"
) >"$work/run.log" 2>&1 &
app_pid=$!

status=000
for _ in $(seq 1 240); do
  kill -0 "$app_pid" 2>/dev/null || break
  status=$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/health/readiness" || true)
  [[ "$status" == 200 ]] && break
  sleep 0.5
done
if [[ "$status" == 200 ]]; then
  pass "the launched app answers GET /actuator/health/readiness with 200"
else
  tail -n 40 "$work/run.log" | sed 's/^/    /'
  fail "readiness answered $status (log: $work/run.log)"
  finish
fi

status=$(curl -s -o /dev/null -w '%{http_code}' "$base/actuator/health/liveness" || true)
if [[ "$status" == 200 ]]; then
  pass "GET /actuator/health/liveness answers 200"
else
  fail "liveness answered $status"
fi

# The process is the JVM itself (exec), started with the production flags.
cmdline=$(tr '\0' ' ' <"/proc/$app_pid/cmdline")
for flag in -XX:MaxRAMPercentage= -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -Djava.io.tmpdir=/tmp \
  "-XX:AOTCache=$CI_REPO_ROOT/$app_dir/functions.aot" "-jar $CI_REPO_ROOT/$app_dir/functions.jar"; do
  if [[ "$cmdline" == *"$flag"* ]]; then
    pass "launched with $flag"
  else
    fail "launched without $flag: $cmdline"
  fi
done
if grep -q 'functions\.aot' "/proc/$app_pid/maps"; then
  pass "the JVM mapped the AOT cache (the cache matches this jar and JVM)"
else
  grep -i 'aot' "$work/run.log" | head -n 10 | sed 's/^/    /'
  fail "the JVM did not map the AOT cache"
fi

# Read-only root filesystem: the app must not write to its own folder or working directory.
find "$app_dir" -type f | sort >"$work/app-files.after"
if cmp -s "$work/app-files.before" "$work/app-files.after" && [[ -z "$(ls -A "$cwd_dir")" ]]; then
  pass "nothing written to the app folder or the working directory"
else
  fail "files written: $(diff "$work/app-files.before" "$work/app-files.after"; ls -A "$cwd_dir")"
fi

# SIGTERM (what Kubernetes sends) ends the process through graceful shutdown.
kill -TERM "$app_pid"
stopped=false
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

finish
