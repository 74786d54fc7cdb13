#!/usr/bin/env bash
# Helpers shared by the scripts in scripts/ci/ that run on bash (every job image except
# BuildKit's, whose script build-image.sh is plain sh). Source it; it changes nothing by itself.

# The repository root, whatever the caller's working directory.
CI_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export CI_REPO_ROOT

# Tools a script installs for itself live here (ignored by git).
CI_TOOLS_DIR="$CI_REPO_ROOT/.ci/tmp"

# Pinned versions of the tools the jobs fetch when the job image lacks them.
KUBECTL_VERSION=${KUBECTL_VERSION:-v1.32.4}

log() {
  printf '==> %s\n' "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# require_vars NAME... : fails with one line naming every unset or empty variable.
require_vars() {
  local missing=() name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      missing+=("$name")
    fi
  done
  if ((${#missing[@]} > 0)); then
    die "missing CI/CD variable(s): ${missing[*]} (see docs/ci.md)"
  fi
}

# Where the jobs read the rendered manifests and write their dotenv reports (relative to the
# repository root; the tests of these scripts point them elsewhere).
MANIFESTS_DIR=${MANIFESTS_DIR:-target/manifests}
CI_OUTPUT_DIR=${CI_OUTPUT_DIR:-target/ci}

# The rollout CLI built by the build job (an artifact in CI, ./mvnw package on a laptop).
rollout() {
  local jar=${ROLLOUT_JAR:-$CI_REPO_ROOT/knative/rollout/target/rollout.jar}
  [[ -f "$jar" ]] || die "$jar not found: run ./mvnw -B -pl knative/rollout -am package -DskipTests"
  "${JAVA_HOME:+$JAVA_HOME/bin/}java" -jar "$jar" "$@"
}

# ingress_host MANIFEST: the host of the first Ingress rule in a rendered manifest (the
# environment's public host name), empty if it has none.
ingress_host() {
  awk '/^kind: Ingress$/ { ingress = 1 } /^---/ { ingress = 0 } ingress && $1 == "-" && $2 == "host:" { print $3; exit }' "$1"
}

# ensure_kubectl: puts a kubectl on PATH. Uses the one installed if any; otherwise downloads the
# pinned release and checks it against the checksum published beside it.
ensure_kubectl() {
  if command -v kubectl >/dev/null 2>&1; then
    return 0
  fi
  local bin="$CI_TOOLS_DIR/bin"
  if [[ ! -x "$bin/kubectl" ]]; then
    local url="https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/amd64/kubectl"
    log "installing kubectl $KUBECTL_VERSION into $bin"
    mkdir -p "$bin"
    curl -fsSLo "$bin/kubectl.download" "$url"
    echo "$(curl -fsSL "$url.sha256")  $bin/kubectl.download" | sha256sum --check --quiet
    chmod +x "$bin/kubectl.download"
    mv "$bin/kubectl.download" "$bin/kubectl"
  fi
  export PATH="$bin:$PATH"
}

# ensure_test_tools: what the JVM tests run besides the JDK (they fail where CI=true and one is
# missing): prometheus and promtool (the rollout CLI's gate tests against a real Prometheus) and wrk
# (the testkit's throughput command), from the distribution's packages (the same names in Debian
# and Ubuntu).
ensure_test_tools() {
  local packages=()
  { command -v prometheus && command -v promtool; } >/dev/null 2>&1 || packages+=(prometheus)
  command -v wrk >/dev/null 2>&1 || packages+=(wrk)
  ((${#packages[@]} > 0)) || return 0
  log "installing ${packages[*]} (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; } >/dev/null \
    || die "could not install ${packages[*]} with apt-get"
}
