#!/usr/bin/env bash
# manifests job: renders every overlay (knative/overlays/*) with kubectl kustomize into
# target/manifests/ENV.yaml (the deploy jobs' input), and knative/monitoring into
# target/manifests/monitoring.yaml, and checks each one offline with the rollout CLI's validate
# (Knative's admission rules and the API model).
#   ROLLOUT_FEATURES  optional, comma-separated config-features flags the clusters enable beyond
#                     what the Services declare themselves (annotation
#                     rollout.acme.example/cluster-features, e.g. prod's topology spread)
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

ensure_kubectl
out=$MANIFESTS_DIR
mkdir -p "$out"
for overlay in knative/overlays/*/; do
  env=$(basename "$overlay")
  features=()
  if [[ -n "${ROLLOUT_FEATURES:-}" ]]; then
    features=(--feature "$ROLLOUT_FEATURES")
  fi
  log "rendering $overlay -> $out/$env.yaml"
  kubectl kustomize "$overlay" >"$out/$env.yaml"
  log "validating $out/$env.yaml"
  rollout validate "${features[@]}" -f - <"$out/$env.yaml"
done

# The cluster's alert rules (knative/monitoring/, applied by the bootstrap): the same model check.
log "rendering knative/monitoring -> $out/monitoring.yaml"
kubectl kustomize knative/monitoring >"$out/monitoring.yaml"
rollout validate -f - <"$out/monitoring.yaml"
