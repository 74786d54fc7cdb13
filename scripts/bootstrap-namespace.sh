#!/usr/bin/env bash
# The bootstrap of one environment's namespace, by a cluster administrator (the deploy jobs'
# identity, the deployer, cannot do any of it): everything of the rendered overlay except the
# objects that come with the deploy jobs (labelled app.kubernetes.io/name=functions or =front),
# plus the RoleBinding that lets the GitLab agent's CI jobs of this environment act as the
# deployer. Re-run it after changing any of those objects (NetworkPolicies, Ingress, PodMonitor,
# PodDisruptionBudget, KafkaSink, Broker, RBAC).
#
# Before it applies anything it checks the cluster prerequisites (knative/README.md): every kind
# of the manifest must be served (a missing CRD is named with what installs it), the namespaces
# the NetworkPolicies admit must carry their labels, and the Ingress's ClusterIssuer must exist.
# Any missing prerequisite stops it with nothing applied.
#
# Usage: scripts/bootstrap-namespace.sh ENV        (dev, staging, prod)
#        scripts/bootstrap-namespace.sh --cluster  (once per cluster: the alert rules of
#                                                   knative/monitoring/ and the Grafana dashboard)
#   GITLAB_PROJECT_ID   this GitLab project's numeric id (Settings > General), ENV mode
#   MONITORING_NAMESPACE  where the platform's Prometheus and Grafana read rules and dashboards
#                         (default: monitoring), --cluster mode
#   KUBE_CONTEXT        optional kube context (default: the current one)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
log() {
  printf '==> %s\n' "$*" >&2
}
kube() {
  kubectl ${KUBE_CONTEXT:+--context "$KUBE_CONTEXT"} "$@"
}

# What installs each API group the manifests use.
prerequisite() {
  case "$1" in
    serving.knative.dev*) echo "Knative Serving" ;;
    eventing.knative.dev/v1alpha1\ KafkaSink) echo "Knative's Kafka sink (eventing-kafka-broker: its CRDs and data plane)" ;;
    eventing.knative.dev*) echo "Knative Eventing" ;;
    monitoring.coreos.com*) echo "the prometheus-operator CRDs (e.g. with kube-prometheus-stack)" ;;
    cert-manager.io*) echo "cert-manager" ;;
    *) echo "the CRD of this kind" ;;
  esac
}

# require_kinds FILE: every "apiVersion kind" of the manifest FILE (plus EXTRA_KINDS) is served.
require_kinds() {
  local served needed missing=() pair
  served=$(kube api-resources --no-headers | awk '{ print $(NF-2) " " $NF }') \
    || die "cannot list the cluster's API resources (kubectl api-resources)"
  needed=$(awk '/^apiVersion: / { v = $2 } /^kind: / { print v " " $2 }' "$1"; printf '%s\n' "${EXTRA_KINDS[@]}")
  while IFS= read -r pair; do
    [[ -z "$pair" ]] && continue
    if ! grep -qxF -- "$pair" <<<"$served"; then
      missing+=("$pair")
    fi
  done < <(sort -u <<<"$needed")
  if ((${#missing[@]} > 0)); then
    for pair in "${missing[@]}"; do
      printf 'error: %s %s is not served by this cluster: install %s (knative/README.md, cluster prerequisites)\n' \
        "${pair#* }" "${pair% *}" "$(prerequisite "$pair")" >&2
    done
    die "missing cluster prerequisites: nothing was applied"
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ "${1:-}" == --cluster ]]; then
  ns=${MONITORING_NAMESPACE:-monitoring}
  kubectl kustomize knative/monitoring >"$work/monitoring.yaml"
  EXTRA_KINDS=()
  require_kinds "$work/monitoring.yaml"
  kube get namespace "$ns" >/dev/null || die "no namespace $ns (set MONITORING_NAMESPACE): nothing was applied"
  sed "s/^  namespace: monitoring$/  namespace: $ns/" "$work/monitoring.yaml" | kube apply -f -
  # Grafana's dashboard sidecar loads ConfigMaps labelled grafana_dashboard=1.
  kube -n "$ns" create configmap order-integration-dashboard \
    --from-file=order-integration-functions.json=knative/monitoring/dashboards/order-integration-functions.json \
    --dry-run=client -o yaml >"$work/dashboard.yaml"
  kube label --local -f "$work/dashboard.yaml" grafana_dashboard=1 app.kubernetes.io/part-of=order-integration -o yaml \
    | kube apply -f -
  log "alert rules and dashboard applied in $ns"
  exit 0
fi

env_name=${1:-}
[[ -d "knative/overlays/$env_name" && -n "$env_name" ]] || die "usage: $0 ENV|--cluster (ENV: a folder of knative/overlays/)"
[[ "${GITLAB_PROJECT_ID:-}" =~ ^[0-9]+$ ]] || die "GITLAB_PROJECT_ID must be this GitLab project's numeric id"

kubectl kustomize "knative/overlays/$env_name" >"$work/manifest.yaml"
# The Ingress's TLS comes from cert-manager's ingress-shim, which needs cert-manager's Certificate.
EXTRA_KINDS=("cert-manager.io/v1 Certificate")
require_kinds "$work/manifest.yaml"

missing=()
for label in networking.acme.example/knative-data-plane networking.acme.example/public-ingress \
  networking.acme.example/metrics-scraper; do
  if [[ -z "$(kube get namespaces -l "$label=true" -o name)" ]]; then
    missing+=("$label")
  fi
done
if ((${#missing[@]} > 0)); then
  die "no namespace labelled ${missing[*]}=true: the NetworkPolicies would drop that traffic (knative/README.md, cluster prerequisites); nothing was applied"
fi
issuer=$(awk '/cert-manager.io\/cluster-issuer:/ { print $2; exit }' "$work/manifest.yaml")
if [[ -n "$issuer" ]] && ! kube get clusterissuer "$issuer" >/dev/null 2>&1; then
  die "no ClusterIssuer $issuer for the Ingress's certificate: nothing was applied"
fi

log "applying the bootstrap objects of $env_name"
kube apply -l 'app.kubernetes.io/name notin (functions,front)' -f "$work/manifest.yaml"

# The GitLab agent impersonates each CI job (ci_access access_as ci_job, .gitlab/agents/): the
# job's groups name the project and its environment. dev also serves the merge requests' review/*
# environments, whose slugs are not known in advance: bound by tier (development).
case "$env_name" in
  dev) group="gitlab:project_env_tier:$GITLAB_PROJECT_ID:development" ;;
  staging) group="gitlab:project_env:$GITLAB_PROJECT_ID:staging" ;;
  prod) group="gitlab:project_env:$GITLAB_PROJECT_ID:production" ;;
  *) die "no GitLab environment known for $env_name" ;;
esac
kube -n "$env_name" create rolebinding deployer-gitlab-ci --role=deployer --group="$group" \
  --dry-run=client -o yaml | kube apply -f -
log "$env_name bootstrapped; CI jobs of $group act as the deployer"
