#!/usr/bin/env bash
# preview and preview:stop: a merge request's own revision in dev, at 0% of the traffic and
# reachable only through its tag URL (named mr-<IID>), and its removal when the review
# environment stops (merge, close, or auto_stop_in).
# Usage: preview.sh create|delete
#   CI_MERGE_REQUEST_IID (GitLab), FUNCTIONS_IMAGE (create, from package:functions),
#   KUBE_CONTEXT, KNATIVE_DOMAIN (dev's Knative domain, for the environment URL)
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

require_vars CI_MERGE_REQUEST_IID KUBE_CONTEXT
name="mr-$CI_MERGE_REQUEST_IID"

case "${1:-}" in
  create)
    require_vars FUNCTIONS_IMAGE
    rollout preview --env dev --name "$name" --image "$FUNCTIONS_IMAGE"
    mkdir -p "$CI_OUTPUT_DIR"
    # Knative's default tag URL: <tag>-<service>.<namespace>.<domain>
    echo "DYNAMIC_ENVIRONMENT_URL=https://$name-order-webhook.dev.${KNATIVE_DOMAIN:-example.invalid}" \
      | tee "$CI_OUTPUT_DIR/preview.env"
    ;;
  delete)
    rollout preview --env dev --name "$name" --delete
    ;;
  *)
    die "usage: $0 create|delete"
    ;;
esac
