#!/usr/bin/env bash
# Posts a sample CloudEvent to orderStatusSync the way a Knative Trigger delivers it, then prints the
# answer: status line, headers and body. Exits 0 on a 2xx answer, 1 on any other answer, and with
# curl's exit code when there is no answer (e.g. 7: nothing listens at URL).
#
#   scripts/send-event.sh [--binary] FILE [URL]
#
#   FILE      a CloudEvent in structured mode (JSON), e.g.
#             functions/src/test/resources/samples/events/status-shipped.json
#   URL       default http://localhost:8080/orderStatusSync (the local sandbox)
#   --binary  send it in binary mode instead: the event's data as the JSON body and every other
#             attribute as a ce-* header (needs jq). Without it the file is posted as is, with
#             Content-Type application/cloudevents+json (structured mode).
set -euo pipefail

usage() {
  sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

binary=false
args=()
for arg in "$@"; do
  case "$arg" in
    --binary) binary=true ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $arg" >&2; usage ;;
    *) args+=("$arg") ;;
  esac
done
[[ ${#args[@]} -ge 1 && ${#args[@]} -le 2 ]] || usage
file=${args[0]}
url=${args[1]:-http://localhost:8080/orderStatusSync}
[[ -r "$file" ]] || { echo "cannot read $file" >&2; exit 2; }

head=$(mktemp)
body=$(mktemp)
trap 'rm -f "$head" "$body"' EXIT

if [[ "$binary" == true ]]; then
  command -v jq >/dev/null || { echo "--binary needs jq" >&2; exit 2; }
  headers=(-H "Content-Type: $(jq -r '.datacontenttype // "application/json"' "$file")")
  while IFS= read -r header; do
    headers+=(-H "$header")
  done < <(jq -r 'to_entries[]
      | select(.key != "data" and .key != "data_base64" and .key != "datacontenttype")
      | "ce-\(.key): \(.value | tostring)"' "$file")
  status=$(jq -c '.data' "$file" \
    | curl -sS -o "$body" -D "$head" -w '%{http_code}' -X POST "${headers[@]}" --data-binary @- "$url")
else
  status=$(curl -sS -o "$body" -D "$head" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/cloudevents+json' --data-binary @"$file" "$url")
fi
cat "$head" "$body"
echo
[[ "$status" == 2* ]]
