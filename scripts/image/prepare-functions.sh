#!/usr/bin/env bash
# Turns the Boot jar into what the image runs: the extracted layout (faster class loading, and
# the only form the JDK's AOT cache works with) plus a JDK 25 AOT cache recorded by a training
# run that starts the application up to the refresh of its context.
#
# Usage: prepare-functions.sh BOOT_JAR APP_DIR
#   Result: APP_DIR/functions.jar, APP_DIR/lib/, APP_DIR/functions.aot
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

# Training configuration. The app validates its required properties at start-up, so the
# training run needs values; these are AOT-TRAINING-ONLY placeholders, set for this one process
# and never baked into the image's environment. The upstream URLs point at the discard port on
# the loopback interface: nothing is called before the context is refreshed.
training_env=(
  SPRING_CLOUD_FUNCTION_DEFINITION='orderWebhook;mapOrder;orderStatusSync'
  SERVER_PORT=0
  INTEGRATION_SECRETS_DIR=/nonexistent-aot-training/
  INTEGRATION_CUSTOMER_KEY=aot-training
  # base64 of "aot-training-only-not-a-secret"
  INTEGRATION_WEBHOOK_SECRETS=whsec_YW90LXRyYWluaW5nLW9ubHktbm90LWEtc2VjcmV0
  INTEGRATION_ORDERSAPI_BASEURL=http://127.0.0.1:9
  INTEGRATION_ORDERSAPI_TOKEN=aot-training-only
  INTEGRATION_ERP_BASEURL=http://127.0.0.1:9
  SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTID=aot-training-only
  SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_CLIENTSECRET=aot-training-only
  SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_ERP_AUTHORIZATIONGRANTTYPE=client_credentials
  SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI=http://127.0.0.1:9/aot-training/token
)

# The training run goes through the launch script so that it uses the production JVM flags.
# Its output (hundreds of informational [aot] warnings) is shown only when it fails.
training_log=$(mktemp)
if ! env "${training_env[@]}" FUNCTIONS_APP_DIR="$app_dir" FUNCTIONS_AOT_MODE=train \
  "$here/run-functions.sh" >"$training_log" 2>&1; then
  cat "$training_log" >&2
  echo "prepare-functions.sh: the AOT training run failed (output above)" >&2
  rm -f "$training_log"
  exit 1
fi
grep -E 'Started|AOTCache creation is complete' "$training_log" || true
rm -f "$training_log"

if [[ ! -s "$app_dir/functions.aot" ]]; then
  echo "prepare-functions.sh: the training run did not write $app_dir/functions.aot" >&2
  exit 1
fi
echo "prepare-functions.sh: $app_dir ready ($(du -sh "$app_dir/functions.aot" | cut -f1) AOT cache)"
