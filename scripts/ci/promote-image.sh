#!/bin/sh
# package:promote (tag pipelines): builds nothing. Looks up the images the default branch's
# pipeline pushed for this commit ($CI_REGISTRY_IMAGE/NAME:$CI_COMMIT_SHA, by build-image.sh),
# tags them :$CI_COMMIT_TAG in the registry (same digest), and writes their digests as the dotenv
# report target/ci/promote.env (FUNCTIONS_IMAGE=...@sha256:..., FRONT_IMAGE=...@sha256:...), the
# variables deploy:staging and deploy:prod read: they deploy exactly the digest dev ran.
# A tag on a commit that never went through the default branch has no such image: the job fails
# and says so. Plain sh: crane's debug image has only busybox.
#
# Usage: promote-image.sh NAME...   e.g. promote-image.sh functions front
set -eu

if [ $# -eq 0 ]; then
  echo "usage: $0 NAME..." >&2
  exit 2
fi
: "${CI_REGISTRY_IMAGE:?missing CI/CD variable CI_REGISTRY_IMAGE}"
: "${CI_COMMIT_SHA:?missing CI/CD variable CI_COMMIT_SHA}"
out_dir=${CI_OUTPUT_DIR:-target/ci}

if [ -n "${CI_REGISTRY_PASSWORD:-}" ]; then
  printf '%s' "$CI_REGISTRY_PASSWORD" \
    | crane auth login "$CI_REGISTRY" --username "$CI_REGISTRY_USER" --password-stdin >&2
fi

mkdir -p "$out_dir"
report="$out_dir/promote.env"
: >"$report.tmp"
for name in "$@"; do
  repository="$CI_REGISTRY_IMAGE/$name"
  if ! digest=$(crane digest "$repository:$CI_COMMIT_SHA"); then
    echo "promote-image.sh: $repository:$CI_COMMIT_SHA does not exist: tags must be on commits whose" \
      "default-branch pipeline pushed its images (package:$name). Nothing was promoted." >&2
    rm -f "$report.tmp"
    exit 1
  fi
  case "$digest" in
    sha256:*) ;;
    *)
      echo "promote-image.sh: crane digest returned '$digest' for $repository:$CI_COMMIT_SHA" >&2
      rm -f "$report.tmp"
      exit 1
      ;;
  esac
  variable=$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')_IMAGE
  printf '%s=%s@%s\n' "$variable" "$repository" "$digest" >>"$report.tmp"
done
# Every image resolved: only now name the release in the registry (by digest, the very image
# dev ran), so that a missing image leaves no half-tagged release behind.
if [ -n "${CI_COMMIT_TAG:-}" ]; then
  while IFS='=' read -r _ reference; do
    crane tag "$reference" "$CI_COMMIT_TAG" >&2
  done <"$report.tmp"
fi
mv "$report.tmp" "$report"
cat "$report"
