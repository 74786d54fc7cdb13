#!/usr/bin/env bash
# rollback:prod: moves all of production's traffic back to the previous stable revision, or to
# ROLLBACK_TO when it is set (a revision name, e.g. order-webhook-1a2b3c4d). Takes seconds: the
# old revision is kept from garbage collection by the rollout CLI.
#   ROLLOUT_ENV (prod), KUBE_CONTEXT, ROLLBACK_TO (optional, set when running the manual job)
#   ROLLBACK_FRONT=true  also undo the last rolling update of the nginx front (deployment/front)
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

require_vars ROLLOUT_ENV KUBE_CONTEXT
options=(--env "$ROLLOUT_ENV")
if [[ -n "${ROLLBACK_TO:-}" ]]; then
  options+=(--to "$ROLLBACK_TO")
fi
rollout rollback "${options[@]}"
if [[ "${ROLLBACK_FRONT:-false}" == true ]]; then
  ensure_kubectl
  kubectl --context "$KUBE_CONTEXT" --namespace "$ROLLOUT_ENV" rollout undo deployment/front
  kubectl --context "$KUBE_CONTEXT" --namespace "$ROLLOUT_ENV" \
    rollout status deployment/front --timeout=5m
fi
rollout status --env "$ROLLOUT_ENV"
