#!/usr/bin/env bash
# Signs a JSON file as a Standard Webhooks sender does and POSTs it to orderWebhook: the testkit's
# send-webhook (testkit/target/testkit.jar, built on first use).
#
#   scripts/send-webhook.sh FILE [URL]
#
# URL defaults to http://localhost:8080/orderWebhook (the local sandbox). The signing secret
# defaults to the sandbox-only secret; set WEBHOOK_SECRET=whsec_... for any other environment.
# WEBHOOK_ID overrides the generated webhook-id (send the same id twice to see idempotency).
# The file is signed and sent byte for byte. Prints the webhook id, the HTTP status and the
# response body; exits non-zero when the status is not 2xx.
set -euo pipefail
# shellcheck source=scripts/java.sh
source "$(dirname "$0")/java.sh"
jar=$(testkit_jar)
exec java -jar "$jar" send-webhook "$@"
