#!/bin/sh
# package jobs: builds one image with BuildKit in rootless, daemonless mode (the moby/buildkit
# rootless image: no Docker daemon, no privileged container), pushes it as
# $CI_REGISTRY_IMAGE/NAME:$CI_COMMIT_SHA (and :$CI_COMMIT_TAG on tags) with a registry build cache
# ($CI_REGISTRY_IMAGE/NAME:buildcache), and writes the pushed digest to target/ci/NAME.env as a
# dotenv report (NAME_IMAGE=...@sha256:...) so that the deploy jobs deploy exactly that image.
# Plain sh: the BuildKit image is Alpine-based and has no bash.
#
# Usage: build-image.sh NAME DOCKERFILE_DIR CONTEXT_DIR
#   e.g. build-image.sh functions functions .    |    build-image.sh front nginx nginx
set -eu

if [ $# -ne 3 ]; then
  echo "usage: $0 NAME DOCKERFILE_DIR CONTEXT_DIR" >&2
  exit 2
fi
name=$1
dockerfile_dir=$2
context_dir=$3
: "${CI_REGISTRY_IMAGE:?missing CI/CD variable CI_REGISTRY_IMAGE}"
: "${CI_COMMIT_SHA:?missing CI/CD variable CI_COMMIT_SHA}"

repository="$CI_REGISTRY_IMAGE/$name"
cache="$repository:buildcache"
names="$repository:$CI_COMMIT_SHA"
if [ -n "${CI_COMMIT_TAG:-}" ]; then
  names="$names,$repository:$CI_COMMIT_TAG"
fi
mkdir -p target/ci
metadata="target/ci/$name-metadata.json"

# BuildKit reads registry credentials from the Docker client configuration.
if [ -n "${CI_REGISTRY_PASSWORD:-}" ]; then
  mkdir -p "$HOME/.docker"
  auth=$(printf '%s:%s' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d '\n')
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$CI_REGISTRY" "$auth" >"$HOME/.docker/config.json"
fi

# No build arguments: the Dockerfiles' ARG defaults are the pinned official bases (only
# scripts/image/test-images.sh passes stand-ins, on machines without a registry).
buildctl-daemonless.sh build \
  --frontend dockerfile.v0 \
  --local context="$context_dir" \
  --local dockerfile="$dockerfile_dir" \
  --opt label:org.opencontainers.image.revision="$CI_COMMIT_SHA" \
  --opt label:org.opencontainers.image.source="${CI_PROJECT_URL:-}" \
  --import-cache type=registry,ref="$cache" \
  --export-cache type=registry,ref="$cache",mode=max \
  --output type=image,\"name="$names"\",push=true \
  --metadata-file "$metadata"

digest=$(tr -d ' \n' <"$metadata" | sed -n 's/.*"containerimage.digest":"\(sha256:[0-9a-f]*\)".*/\1/p')
if [ -z "$digest" ]; then
  echo "build-image.sh: no containerimage.digest in $metadata" >&2
  exit 1
fi
variable=$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')_IMAGE
printf '%s=%s@%s\n' "$variable" "$repository" "$digest" | tee "target/ci/$name.env"
