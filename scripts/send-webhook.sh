#!/usr/bin/env bash
# Signs a JSON file as a Standard Webhooks sender does and POSTs it to orderWebhook.
#
#   scripts/send-webhook.sh FILE [URL]
#
# URL defaults to http://localhost:8080/orderWebhook (the local sandbox). The signing secret
# defaults to the sandbox-only secret; set WEBHOOK_SECRET=whsec_... for any other environment.
# WEBHOOK_ID overrides the generated webhook-id (send the same id twice to see idempotency).
# Prints the HTTP status and the response body; exits non-zero when the status is not 2xx.
set -euo pipefail

readonly SANDBOX_SECRET='whsec_c2FuZGJveC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0' # sandbox only, not a real secret

usage() {
  echo "usage: $0 FILE [URL]   (env: WEBHOOK_SECRET, WEBHOOK_ID)" >&2
  exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
file=$1
url=${2:-http://localhost:8080/orderWebhook}
secret=${WEBHOOK_SECRET:-$SANDBOX_SECRET}
[[ -r $file ]] || { echo "cannot read $file" >&2; exit 2; }
[[ $secret == whsec_* ]] || { echo "WEBHOOK_SECRET must start with whsec_" >&2; exit 2; }

for tool in curl openssl base64 od; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 2; }
done

if [[ -n ${WEBHOOK_ID:-} ]]; then
  id=$WEBHOOK_ID
else
  id="msg_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
fi
timestamp=$(date +%s)

# HMAC-SHA256 over "<id>.<timestamp>.<raw file bytes>" with the base64-decoded secret. The file is
# signed and sent byte for byte (curl --data-binary), so a trailing newline is part of both.
key_hex=$(printf '%s' "${secret#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
signature=$({ printf '%s.%s.' "$id" "$timestamp"; cat -- "$file"; } |
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64 | tr -d '\n')

body=$(mktemp)
trap 'rm -f "$body"' EXIT

status=$(curl --silent --show-error --output "$body" --write-out '%{http_code}' \
  --request POST "$url" \
  --header 'Content-Type: application/json' \
  --header "webhook-id: $id" \
  --header "webhook-timestamp: $timestamp" \
  --header "webhook-signature: v1,$signature" \
  --data-binary "@$file")

echo "webhook-id: $id"
echo "HTTP $status"
cat "$body"
echo
[[ $status == 2* ]]
