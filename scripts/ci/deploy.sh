#!/usr/bin/env bash
# deploy:dev, deploy:staging, deploy:prod: rolls the images built by this pipeline (by digest)
# out to one environment with the rollout CLI: a new revision per Knative Service, smoke-checked
# through its tag URL with signed test traffic, then traffic moved in ROLLOUT_STEPS with the gates
# after each step (knative/README.md, "Gates"); a failed gate, an API error or SIGTERM moves the
# traffic back and fails the job.
#   ROLLOUT_ENV     dev | staging | prod (the overlay, and the namespace ENV)
#   ROLLOUT_STEPS   e.g. 100 (dev), 50,100 (staging), 10,50,100 (prod)
#   FUNCTIONS_IMAGE image by digest, from package:functions (dotenv)
#   FRONT_IMAGE     image by digest, from package:front (dotenv). The nginx front is a plain
#                   Deployment (knative/base/front.yaml), not a Knative Service: when the rendered
#                   manifest has it, its objects (label app.kubernetes.io/name=front) are applied
#                   with kubectl after the functions, with the image set by kustomize, and the
#                   job waits for the rolling update.
#   KUBE_CONTEXT    the GitLab agent's context (read by the rollout CLI)
#   PROMETHEUS_URL  Prometheus for the metric gates (read by the rollout CLI, which refuses to
#                   deploy without it)
#   ROLLOUT_SMOKE_SECRET  the smoke signing secret (whsec_...), read by the rollout CLI for the
#                   signed webhook ping; the same value as the Secret webhook-smoke-signing
#   ROLLOUT_INTERVAL      optional soak time per step (the CLI's default otherwise)
#   ROLLOUT_SKIP_METRIC_GATES=true  deploy without the metric gates (an environment without
#                   Prometheus), logged by the CLI at every gate
#   ROLLOUT_ALLOW_NO_TRAFFIC=true   emergencies: candidates below their request floor are judged
#                   on what they have, logged by the CLI at every gate
#   ROLLOUT_REQUIRE_METRICS_GATE=true  (prod) require PROMETHEUS_URL and refuse the two above
#   ROLLOUT_FEATURES      optional, config-features flags of the cluster beyond those the Services
#                         declare (rollout.acme.example/cluster-features), for the manifest check
# The environment URL is the public host of the rendered manifest's Ingress (the front).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

require_vars ROLLOUT_ENV ROLLOUT_STEPS FUNCTIONS_IMAGE KUBE_CONTEXT
if [[ "${ROLLOUT_REQUIRE_METRICS_GATE:-false}" == true ]]; then
  require_vars PROMETHEUS_URL
  for name in ROLLOUT_SKIP_METRIC_GATES ROLLOUT_ALLOW_NO_TRAFFIC; do
    [[ "${!name:-false}" != true ]] || die "$name=true is refused where ROLLOUT_REQUIRE_METRICS_GATE=true ($ROLLOUT_ENV)"
  done
fi
manifest="$MANIFESTS_DIR/$ROLLOUT_ENV.yaml"
[[ -f "$manifest" ]] || die "$manifest not found (made by scripts/ci/manifests.sh)"

options=(--env "$ROLLOUT_ENV" --manifest "$manifest" --steps "$ROLLOUT_STEPS")
if [[ -n "${ROLLOUT_INTERVAL:-}" ]]; then
  options+=(--interval "$ROLLOUT_INTERVAL")
fi
if [[ "${ROLLOUT_SKIP_METRIC_GATES:-false}" == true ]]; then
  options+=(--skip-metric-gates)
fi
if [[ "${ROLLOUT_ALLOW_NO_TRAFFIC:-false}" == true ]]; then
  options+=(--allow-no-traffic)
fi
if [[ -n "${ROLLOUT_FEATURES:-}" ]]; then
  options+=(--feature "$ROLLOUT_FEATURES")
fi

log "deploying $FUNCTIONS_IMAGE to $ROLLOUT_ENV (steps $ROLLOUT_STEPS)"
rollout deploy "${options[@]}" --image "$FUNCTIONS_IMAGE" --selector app.kubernetes.io/name=functions

if grep -q 'app.kubernetes.io/name: front' "$manifest"; then
  require_vars FRONT_IMAGE
  ensure_kubectl
  log "deploying $FRONT_IMAGE to $ROLLOUT_ENV (rolling update of deployment/front)"
  front_dir=$(mktemp -d)
  cp "$manifest" "$front_dir/manifest.yaml"
  cat >"$front_dir/kustomization.yaml" <<YAML
resources: [manifest.yaml]
images:
  - name: front
    newName: ${FRONT_IMAGE%@*}
    digest: ${FRONT_IMAGE#*@}
YAML
  kubectl kustomize "$front_dir" \
    | kubectl --context "$KUBE_CONTEXT" apply --selector app.kubernetes.io/name=front -f -
  kubectl --context "$KUBE_CONTEXT" --namespace "$ROLLOUT_ENV" \
    rollout status deployment/front --timeout=5m
  rm -rf "$front_dir"
fi

mkdir -p "$CI_OUTPUT_DIR"
host=$(ingress_host "$manifest")
if [[ -n "$host" ]]; then
  echo "DYNAMIC_ENVIRONMENT_URL=https://$host" | tee "$CI_OUTPUT_DIR/deploy.env"
else
  log "the manifest has no Ingress: no environment URL"
  : >"$CI_OUTPUT_DIR/deploy.env"
fi
