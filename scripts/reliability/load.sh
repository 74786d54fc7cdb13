#!/usr/bin/env bash
# Sustained load on loopback against orderWebhook (functions/target/functions.jar) with an Orders API
# stand-in, then a graceful shutdown (SIGTERM) in the middle of load, run and asserted by the testkit's
# reliability command (testkit/src/main/java/com/acme/integration/testkit/load/Reliability.java): zero
# errors in the warm-up and under the sustained rate, RSS flat after warm-up (growth at most RSS_GROWTH_PCT
# percent), no valid webhook refused for good in any phase, every webhook the client got a 200 for has its
# order at the stand-in after the shutdown, a graceful shutdown logged, no secret in the logs. See
# docs/reliability.md.
#
# Usage: scripts/reliability/load.sh [--smoke]
#   --smoke  a few seconds of each phase (for .ci/run); the full run is the default.
# Environment (unset: the command's defaults): RATE (webhooks/s, 20), SECONDS_WARMUP (20, smoke 5),
#   SECONDS_LOAD (60, smoke 8), SECONDS_SHUTDOWN (load before SIGTERM: 10, smoke 3), RSS_GROWTH_PCT (25),
#   RELIABILITY_OUT (results folder, functions/target/reliability), RELIABILITY_APP_PORT (23080) and
#   RELIABILITY_STANDIN_PORT (23081, the stand-in the command serves).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/java.sh
source scripts/java.sh

args=()
if [[ "${1:-}" == "--smoke" ]]; then
  args+=(--smoke)
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--smoke]" >&2
  exit 2
fi
for pair in rate=RATE warmup=SECONDS_WARMUP seconds=SECONDS_LOAD before-term=SECONDS_SHUTDOWN \
  rss-growth-pct=RSS_GROWTH_PCT out=RELIABILITY_OUT app-port=RELIABILITY_APP_PORT standin-port=RELIABILITY_STANDIN_PORT; do
  variable=${pair#*=}
  if [[ -n ${!variable:-} ]]; then args+=("--${pair%%=*}" "${!variable}"); fi
done

jar=functions/target/functions.jar
if [[ ! -f $jar ]]; then
  ./mvnw -B -q -pl functions -am package -DskipTests
fi
testkit=$(testkit_jar)
# Test-only values, labelled as such: nothing here is a real secret.
exec java -jar "$testkit" reliability --jar "$jar" --secret "whsec_$(printf 'load-test-only-secret-0123456789' | base64)" \
  --token load-test-only-orders-token --sample functions/src/test/resources/samples/webhooks/order-created.json "${args[@]}"
