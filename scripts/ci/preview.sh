#!/usr/bin/env bash
# preview and preview:stop: a merge request's own revision in dev, at 0% of the traffic and
# reachable only through its tag (named mr-<IID>), and its removal when the review environment
# stops (merge, close, or auto_stop_in). The tag's address is cluster-local: from outside, the
# preview is reached through dev's front, POST https://<dev host>/integrations/previews/mr-<IID>/order
# (mapOrder only), which is the review environment's URL.
# Usage: preview.sh create|delete
#   CI_MERGE_REQUEST_IID (GitLab), FUNCTIONS_IMAGE (create, from package:functions), KUBE_CONTEXT
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
    # dev's public host, as its overlay sets it on the Ingress.
    host=$(awk '$2 == "/spec/rules/0/host" { getline; print $2; exit }' knative/overlays/dev/ingress-patch.yaml)
    [[ -n "$host" ]] || die "no host in knative/overlays/dev/ingress-patch.yaml"
    echo "DYNAMIC_ENVIRONMENT_URL=https://$host/integrations/previews/$name/order" \
      | tee "$CI_OUTPUT_DIR/preview.env"
    ;;
  delete)
    rollout preview --env dev --name "$name" --delete
    ;;
  *)
    die "usage: $0 create|delete"
    ;;
esac
