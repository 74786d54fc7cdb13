#!/usr/bin/env bash
# rollback:prod: moves all of production's traffic back to the previous stable revision (during
# an unfinished deploy: to the stable revision it recorded), or to ROLLBACK_TO when it is set (a
# revision name, e.g. order-webhook-1a2b3c4d). Takes seconds: the old revision is kept from
# garbage collection by the rollout CLI.
#   ROLLOUT_ENV (prod), KUBE_CONTEXT, ROLLBACK_TO (optional, set when running the manual job)
#   ROLLBACK_FRONT=true  also undo the last rolling update of the nginx front (deployment/front)
#
# scripts/ci/rollback.sh --after-cancel: the after_script of the deploy jobs. GitLab runs it when
# a job is cancelled (CI_JOB_STATUS=canceled), also after it killed the job's script: if the
# rollout CLI was killed before it could put the traffic back, the Services still record an
# unfinished deploy, and their traffic goes back to the stable revision it recorded. Otherwise,
# and for any other job status, it changes nothing.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

if [[ "${1:-}" == --after-cancel ]]; then
  if [[ "${CI_JOB_STATUS:-}" != canceled || -z "${ROLLOUT_ENV:-}" ]]; then
    exit 0
  fi
  log "job cancelled: putting the traffic of any unfinished deploy in $ROLLOUT_ENV back"
  rollout rollback --env "$ROLLOUT_ENV" --only-unfinished
  exit
fi

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
