#!/usr/bin/env bash
# Builds the static UI into OUTDIR with content-hashed asset names: src/assets/app.js becomes
# assets/app.<first 10 hex of its SHA-256>.js and index.html refers to the hashed names. nginx
# caches /assets/*.<10 hex>.* for a year (immutable) and revalidates index.html on every load
# (nginx/templates/default.conf.template), so a release is seen at once and never mixed.
# No npm, no network: bash, sha256sum and sed only (used by nginx/Dockerfile and the e2e suite).
#
# Usage: nginx/ui/build.sh OUTDIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 64
fi
src="$(cd "$(dirname "$0")" && pwd)/src"
out=$1

rm -rf "$out"
mkdir -p "$out/assets"
cp "$src/index.html" "$out/index.html"

for asset in "$src"/assets/*; do
  name=$(basename "$asset")
  stem=${name%.*}
  ext=${name##*.}
  hash=$(sha256sum "$asset" | cut -c1-10)
  hashed="$stem.$hash.$ext"
  cp "$asset" "$out/assets/$hashed"
  # Names are plain [a-z.-]; escape the dot for sed all the same.
  sed -i "s#/assets/${name//./\\.}\"#/assets/$hashed\"#g" "$out/index.html"
done

if grep -Eo '/assets/[^"]+"' "$out/index.html" | grep -Ev '\.[0-9a-f]{10}\.[a-z0-9]+"$'; then
  echo "$0: index.html still refers to an unhashed asset (above)" >&2
  exit 1
fi
echo "UI built in $out"
