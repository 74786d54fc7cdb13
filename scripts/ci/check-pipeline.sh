#!/usr/bin/env bash
# pipeline:check job: the repository's own checks, offline. Installs what they need when missing
# (gitlab-ci-local into .ci/tmp with npm; Node.js, npm and shellcheck with apt-get) and runs the
# checks module (checks/, JUnit): the pipeline as gitlab-ci-local reads it (GitLab's JSON schema,
# the jobs of merge request, default-branch, tag and frozen-tag pipelines, workflow:rules, the
# merged YAML), docs/ci.md against the jobs, the job scripts with stand-ins for their tools, the
# functions Dockerfile, shellcheck on every shell script, and the Markdown documents.
# Then the image scripts, scripts/ci/check-image.sh (extract, AOT training, the launch answering
# its probes), unless --no-image is given (GitLab runs those as their own job, image:check).
# Exits non-zero when a check failed; the reports are in checks/target/surefire-reports/.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"
# shellcheck source=scripts/java.sh
source scripts/java.sh

with_image=true
case "${1:-}" in
  --no-image) with_image=false ;;
  "") ;;
  *) die "usage: $0 [--no-image]" ;;
esac

GITLAB_CI_LOCAL_VERSION=4.60.0
# Its dependency re2 is a native module: npm compiles it when no prebuilt binary can be fetched
# (a few minutes, once per folder). GITLAB_CI_LOCAL_DIR may point at a folder kept between runs.
gcl_dir=${GITLAB_CI_LOCAL_DIR:-$CI_TOOLS_DIR/gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION}

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]} (apt-get)"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"; } >&2 || die "could not install ${missing[*]} with apt-get"
fi
if [[ "$("$gcl_dir/node_modules/.bin/gitlab-ci-local" --version 2>/dev/null)" != "$GITLAB_CI_LOCAL_VERSION" ]]; then
  log "installing gitlab-ci-local $GITLAB_CI_LOCAL_VERSION into $gcl_dir"
  mkdir -p "$gcl_dir"
  npm install --prefix "$gcl_dir" --no-audit --no-fund --no-save --loglevel=error \
    "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >&2
fi

status=0
./mvnw -B -Pchecks -pl checks verify -Dchecks.gitlabCiLocalDir="$gcl_dir" || status=$?
if $with_image; then
  scripts/ci/check-image.sh || status=$?
fi
exit "$status"
