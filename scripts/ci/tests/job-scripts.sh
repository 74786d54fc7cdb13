#!/usr/bin/env bash
# Runs the job scripts of scripts/ci/ with stand-ins for what only exists in GitLab (java running
# the rollout CLI against a cluster, kubectl, BuildKit, crane) and checks the commands they issue and
# the dotenv reports they write. Prints one "PASS: ..." or "FAIL: ..." line per check; called by
# scripts/ci/check-pipeline.sh.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
ci="$root/scripts/ci"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS: job scripts: $*"; }
fail() { echo "FAIL: job scripts: $*"; }
# expect NAME CONDITION-COMMAND...: PASS when the command succeeds.
expect() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi
}
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }

# --- stand-ins ------------------------------------------------------------------------------------
mkdir -p "$tmp/jdk/bin" "$tmp/bin" "$tmp/manifests" "$tmp/home"
cat >"$tmp/jdk/bin/java" <<'EOF'
#!/usr/bin/env bash
echo "java $*" >>"$CALLS"
exit "${FAKE_JAVA_EXIT:-0}"
EOF
cat >"$tmp/bin/kubectl" <<'EOF'
#!/usr/bin/env bash
echo "kubectl $*" >>"$CALLS"
case "$1" in
  kustomize)
    # What deploy.sh asked kustomize to do, followed by its input.
    cat "$2/kustomization.yaml" "$2/manifest.yaml" 2>/dev/null || echo "# rendered $2"
    ;;
  *)
    if [[ " $* " == *" -f - "* ]]; then cat >>"$APPLIED"; fi
    ;;
esac
EOF
cat >"$tmp/bin/buildctl-daemonless.sh" <<'EOF'
#!/bin/sh
echo "buildctl-daemonless.sh $*" >>"$CALLS"
while [ $# -gt 0 ]; do
  if [ "$1" = --metadata-file ]; then
    printf '{\n  "containerimage.config.digest": "sha256:%s",\n  "containerimage.digest": "sha256:%s"\n}\n' \
      1111111111111111111111111111111111111111111111111111111111111111 \
      abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd >"$2"
  fi
  shift
done
EOF
# crane: digest answers for the images in FAKE_CRANE_IMAGES ("REF=DIGEST ..."), MANIFEST_UNKNOWN
# otherwise, as the registry does for a commit whose default-branch pipeline pushed nothing.
cat >"$tmp/bin/crane" <<'EOF'
#!/bin/sh
echo "crane $*" >>"$CALLS"
case "$1" in
  auth) cat >/dev/null ;;
  digest)
    for entry in ${FAKE_CRANE_IMAGES:-}; do
      if [ "${entry%%=*}" = "$2" ]; then
        echo "${entry#*=}"
        exit 0
      fi
    done
    echo "Error: fetching manifest $2: GET https://registry.example.test: MANIFEST_UNKNOWN" >&2
    exit 1
    ;;
esac
EOF
chmod +x "$tmp/jdk/bin/java" "$tmp/bin/kubectl" "$tmp/bin/buildctl-daemonless.sh" "$tmp/bin/crane"
touch "$tmp/rollout.jar"
cat >"$tmp/manifests/dev.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: front
  labels:
    app.kubernetes.io/name: front
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: front
spec:
  rules:
  - host: integration.dev.example.test
    http:
      paths: []
EOF
echo "# prod without the front" >"$tmp/manifests/prod.yaml"

export CALLS="$tmp/calls.log" APPLIED="$tmp/applied.yaml"
export JAVA_HOME="$tmp/jdk" PATH="$tmp/bin:$PATH" HOME="$tmp/home"
export ROLLOUT_JAR="$tmp/rollout.jar" MANIFESTS_DIR="$tmp/manifests" CI_OUTPUT_DIR="$tmp/out"
export KUBE_CONTEXT=acme/order-integration:order-integration
functions=registry.example.test/acme/order-integration/functions@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
front=registry.example.test/acme/order-integration/front@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
reset() { rm -rf "$CALLS" "$APPLIED" "$tmp/out"; touch "$CALLS" "$APPLIED"; }
jar="java -jar $tmp/rollout.jar"

# --- deploy.sh ------------------------------------------------------------------------------------
reset
ROLLOUT_ENV=dev ROLLOUT_STEPS=100 FUNCTIONS_IMAGE=$functions FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh dev succeeds" test $? -eq 0
expect "deploy.sh dev: rollout deploy of the functions by digest, --steps 100" contains "$CALLS" \
  "$jar deploy --env dev --manifest $tmp/manifests/dev.yaml --steps 100 --image $functions --selector app.kubernetes.io/name=functions"
expect "deploy.sh dev: front objects applied with the agent's context" contains "$CALLS" \
  "kubectl --context $KUBE_CONTEXT apply --selector app.kubernetes.io/name=front -f -"
expect "deploy.sh dev: front image set by digest" contains "$APPLIED" \
  "newName: registry.example.test/acme/order-integration/front"
expect "deploy.sh dev: front digest" contains "$APPLIED" "digest: sha256:bbbbbbbb"
expect "deploy.sh dev: waits for the front's rolling update" contains "$CALLS" \
  "kubectl --context $KUBE_CONTEXT --namespace dev rollout status deployment/front --timeout=5m"
expect "deploy.sh dev: environment URL (the Ingress host) as dotenv" contains "$tmp/out/deploy.env" \
  "DYNAMIC_ENVIRONMENT_URL=https://integration.dev.example.test"

reset
ROLLOUT_ENV=prod ROLLOUT_STEPS=10,50,100 ROLLOUT_REQUIRE_METRICS_GATE=true FUNCTIONS_IMAGE=$functions \
  FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh prod without PROMETHEUS_URL fails" test $? -ne 0
expect "deploy.sh prod without PROMETHEUS_URL names it" contains "$tmp/out.log" "PROMETHEUS_URL"
expect "deploy.sh prod without PROMETHEUS_URL changes nothing" test ! -s "$CALLS"

reset
ROLLOUT_ENV=prod ROLLOUT_STEPS=10,50,100 ROLLOUT_REQUIRE_METRICS_GATE=true PROMETHEUS_URL=http://prometheus.test \
  ROLLOUT_INTERVAL=5m FUNCTIONS_IMAGE=$functions FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh prod succeeds with the gate configured" test $? -eq 0
expect "deploy.sh prod: --steps 10,50,100 with the soak interval (prod's cluster features travel in the manifest)" contains "$CALLS" \
  "$jar deploy --env prod --manifest $tmp/manifests/prod.yaml --steps 10,50,100 --interval 5m --image $functions"
expect "deploy.sh prod: no Ingress in the manifest, empty dotenv" test ! -s "$tmp/out/deploy.env"
expect "deploy.sh prod: no front in the manifest, no kubectl" lacks "$CALLS" "kubectl"

reset
ROLLOUT_ENV=prod ROLLOUT_STEPS=10,50,100 ROLLOUT_REQUIRE_METRICS_GATE=true PROMETHEUS_URL=http://prometheus.test \
  ROLLOUT_ALLOW_NO_TRAFFIC=true FUNCTIONS_IMAGE=$functions FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh prod refuses ROLLOUT_ALLOW_NO_TRAFFIC" test $? -ne 0
expect "deploy.sh prod refusing ROLLOUT_ALLOW_NO_TRAFFIC names it" contains "$tmp/out.log" "ROLLOUT_ALLOW_NO_TRAFFIC=true is refused"
expect "deploy.sh prod refusing ROLLOUT_ALLOW_NO_TRAFFIC changes nothing" test ! -s "$CALLS"
reset
ROLLOUT_ENV=prod ROLLOUT_STEPS=10,50,100 ROLLOUT_REQUIRE_METRICS_GATE=true PROMETHEUS_URL=http://prometheus.test \
  ROLLOUT_SKIP_METRIC_GATES=true FUNCTIONS_IMAGE=$functions FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh prod refuses ROLLOUT_SKIP_METRIC_GATES" test $? -ne 0
expect "deploy.sh prod refusing ROLLOUT_SKIP_METRIC_GATES changes nothing" test ! -s "$CALLS"
expect "deploy.sh prod never passes --allow-no-traffic or --skip-metric-gates" lacks "$CALLS" "--allow-no-traffic"

reset
ROLLOUT_ENV=dev ROLLOUT_STEPS=100 ROLLOUT_SKIP_METRIC_GATES=true ROLLOUT_ALLOW_NO_TRAFFIC=true \
  FUNCTIONS_IMAGE=$functions FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh dev: ROLLOUT_SKIP_METRIC_GATES and ROLLOUT_ALLOW_NO_TRAFFIC become the CLI's flags" contains "$CALLS" \
  "--steps 100 --skip-metric-gates --allow-no-traffic --image $functions"

reset
ROLLOUT_ENV=dev ROLLOUT_STEPS=100 FRONT_IMAGE=$front "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh without FUNCTIONS_IMAGE fails naming it" contains "$tmp/out.log" "FUNCTIONS_IMAGE"

reset
FAKE_JAVA_EXIT=1 ROLLOUT_ENV=dev ROLLOUT_STEPS=100 FUNCTIONS_IMAGE=$functions FRONT_IMAGE=$front \
  "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh fails when the rollout fails (gate, timeout)" test $? -ne 0
expect "deploy.sh leaves the front alone when the functions' rollout failed" lacks "$CALLS" "apply"

# --- preview.sh and rollback.sh -------------------------------------------------------------------
reset
CI_MERGE_REQUEST_IID=42 FUNCTIONS_IMAGE=$functions "$ci/preview.sh" create >"$tmp/out.log" 2>&1
expect "preview.sh create succeeds" test $? -eq 0
expect "preview.sh create: rollout preview mr-42 in dev" contains "$CALLS" \
  "$jar preview --env dev --name mr-42 --image $functions"
expect "preview.sh create: the preview's path on dev's front as dotenv" contains "$tmp/out/preview.env" \
  "DYNAMIC_ENVIRONMENT_URL=https://integration.dev.acme.example/integrations/previews/mr-42/order"
reset
CI_MERGE_REQUEST_IID=42 "$ci/preview.sh" delete >"$tmp/out.log" 2>&1
expect "preview.sh delete: rollout preview --delete" contains "$CALLS" "$jar preview --env dev --name mr-42 --delete"

reset
ROLLOUT_ENV=prod "$ci/rollback.sh" >"$tmp/out.log" 2>&1
expect "rollback.sh: rollout rollback to the previous stable revision" contains "$CALLS" "$jar rollback --env prod"
expect "rollback.sh: prints the status" contains "$CALLS" "$jar status --env prod"
expect "rollback.sh: front untouched by default" lacks "$CALLS" "kubectl"
reset
ROLLOUT_ENV=prod ROLLBACK_TO=order-webhook-1a2b3c4 ROLLBACK_FRONT=true "$ci/rollback.sh" >"$tmp/out.log" 2>&1
expect "rollback.sh: --to ROLLBACK_TO" contains "$CALLS" "$jar rollback --env prod --to order-webhook-1a2b3c4"
expect "rollback.sh: ROLLBACK_FRONT=true undoes deployment/front" contains "$CALLS" \
  "kubectl --context $KUBE_CONTEXT --namespace prod rollout undo deployment/front"
reset
CI_JOB_STATUS=failed ROLLOUT_ENV=prod "$ci/rollback.sh" --after-cancel >"$tmp/out.log" 2>&1
expect "rollback.sh --after-cancel: a failed (not cancelled) job changes nothing" test ! -s "$CALLS"
reset
CI_JOB_STATUS=canceled "$ci/rollback.sh" --after-cancel >"$tmp/out.log" 2>&1
expect "rollback.sh --after-cancel: a job without ROLLOUT_ENV (preview) changes nothing" test ! -s "$CALLS"
reset
CI_JOB_STATUS=canceled ROLLOUT_ENV=prod "$ci/rollback.sh" --after-cancel >"$tmp/out.log" 2>&1
expect "rollback.sh --after-cancel: a cancelled deploy's unfinished rollout goes back" contains "$CALLS" \
  "$jar rollback --env prod --only-unfinished"
expect "rollback.sh --after-cancel: nothing else" lacks "$CALLS" "status"

# --- manifests.sh ----------------------------------------------------------------------------------
reset
rendered="$tmp/rendered"
MANIFESTS_DIR=$rendered ROLLOUT_FEATURES=kubernetes.podspec-securitycontext "$ci/manifests.sh" >"$tmp/out.log" 2>&1
expect "manifests.sh succeeds" test $? -eq 0
for overlay in "$root"/knative/overlays/*/; do
  env=$(basename "$overlay")
  expect "manifests.sh renders $env" contains "$CALLS" "kubectl kustomize knative/overlays/$env/"
  expect "manifests.sh writes $env.yaml" test -s "$rendered/$env.yaml"
done
expect "manifests.sh validates every overlay with rollout validate -f -" test \
  "$(grep -c -- "$jar validate --feature kubernetes.podspec-securitycontext[,a-z.-]* -f -" "$CALLS")" \
  -eq "$(find "$root/knative/overlays" -mindepth 1 -maxdepth 1 -type d | wc -l)"
expect "manifests.sh renders and validates the alert rules" contains "$CALLS" "kubectl kustomize knative/monitoring"
expect "manifests.sh writes monitoring.yaml" test -s "$rendered/monitoring.yaml"
expect "manifests.sh passes ROLLOUT_FEATURES alone (prod's own prerequisites travel in the manifest)" lacks "$CALLS" \
  "kubernetes.podspec-topologyspreadconstraints"

# --- scripts/bootstrap-namespace.sh (an administrator's script, with its own kubectl stand-in) -------
# The stand-in renders FAKE_RENDERED, serves the kinds listed in FAKE_API_RESOURCES (kubectl's
# api-resources columns), has the namespace labels of FAKE_LABELLED and the ClusterIssuer when
# FAKE_ISSUER=yes.
mkdir -p "$tmp/bootstrap-bin"
cat >"$tmp/bootstrap-bin/kubectl" <<'EOF'
#!/usr/bin/env bash
echo "kubectl $*" >>"$CALLS"
if [[ "$1" == --context ]]; then shift 2; fi
case "$1 $2" in
  "kustomize "*) cat "$FAKE_RENDERED" ;;
  "api-resources "*) cat "$FAKE_API_RESOURCES" ;;
  "get namespaces") [[ " ${FAKE_LABELLED:-} " == *" ${4%=true} "* ]] && echo "namespace/somewhere" ;;
  "get clusterissuer") [[ "${FAKE_ISSUER:-}" == yes ]] ;;
  "get namespace") true ;;
  *)
    if [[ " $* " == *" apply "* ]]; then
      if [[ " $* " == *" -f - "* ]]; then cat >>"$APPLIED"; else echo "applied: $*" >>"$APPLIED"; fi
    elif [[ " $* " == *" create rolebinding "* ]]; then
      echo "kind: RoleBinding # $*"
    fi
    ;;
esac
EOF
chmod +x "$tmp/bootstrap-bin/kubectl"
cat >"$tmp/rendered.yaml" <<'EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: functions
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  annotations:
    cert-manager.io/cluster-issuer: public
  name: front
EOF
served="$tmp/api-resources.txt"
cat >"$served" <<'EOF'
networkpolicies   netpol   networking.k8s.io/v1   true   NetworkPolicy
ingresses         ing      networking.k8s.io/v1   true   Ingress
certificates      cert,certs   cert-manager.io/v1   true   Certificate
EOF
all_labels="networking.acme.example/knative-data-plane networking.acme.example/public-ingress networking.acme.example/metrics-scraper"
bootstrap() {
  PATH="$tmp/bootstrap-bin:$PATH" FAKE_RENDERED="$tmp/rendered.yaml" FAKE_API_RESOURCES="$served" \
    "$root/scripts/bootstrap-namespace.sh" "$@" >"$tmp/out.log" 2>&1
}
reset
FAKE_LABELLED=$all_labels FAKE_ISSUER=yes GITLAB_PROJECT_ID=4711 bootstrap prod
expect "bootstrap-namespace.sh refuses a manifest whose CRD is missing" test $? -ne 0
expect "bootstrap-namespace.sh names the missing kind and what installs it" contains "$tmp/out.log" \
  "error: PodMonitor monitoring.coreos.com/v1 is not served by this cluster: install the prometheus-operator CRDs"
expect "bootstrap-namespace.sh applies nothing when a CRD is missing" test ! -s "$APPLIED"
echo "podmonitors   pmon   monitoring.coreos.com/v1   true   PodMonitor" >>"$served"
reset
FAKE_LABELLED="networking.acme.example/knative-data-plane" FAKE_ISSUER=yes GITLAB_PROJECT_ID=4711 bootstrap prod
expect "bootstrap-namespace.sh refuses unlabelled namespaces the NetworkPolicies depend on" contains "$tmp/out.log" \
  "no namespace labelled networking.acme.example/public-ingress networking.acme.example/metrics-scraper=true"
expect "bootstrap-namespace.sh applies nothing without the namespace labels" test ! -s "$APPLIED"
reset
FAKE_LABELLED=$all_labels GITLAB_PROJECT_ID=4711 bootstrap prod
expect "bootstrap-namespace.sh refuses an Ingress whose ClusterIssuer is missing" contains "$tmp/out.log" "no ClusterIssuer public"
reset
FAKE_LABELLED=$all_labels FAKE_ISSUER=yes bootstrap prod
expect "bootstrap-namespace.sh needs GITLAB_PROJECT_ID" contains "$tmp/out.log" "GITLAB_PROJECT_ID"
reset
FAKE_LABELLED=$all_labels FAKE_ISSUER=yes GITLAB_PROJECT_ID=4711 bootstrap prod
expect "bootstrap-namespace.sh prod succeeds with every prerequisite" test $? -eq 0
expect "bootstrap-namespace.sh applies all but the deploy jobs' objects" contains "$APPLIED" \
  "applied: apply -l app.kubernetes.io/name notin (functions,front) -f"
expect "bootstrap-namespace.sh binds prod's deployer to the production environment's CI jobs" contains "$APPLIED" \
  "create rolebinding deployer-gitlab-ci --role=deployer --group=gitlab:project_env:4711:production"
reset
FAKE_LABELLED=$all_labels FAKE_ISSUER=yes GITLAB_PROJECT_ID=4711 bootstrap dev
expect "bootstrap-namespace.sh binds dev's deployer to the development tier (dev and review/*)" contains "$APPLIED" \
  "--group=gitlab:project_env_tier:4711:development"

# --- build-image.sh (plain sh, as in the Alpine-based BuildKit image) -----------------------------
reset
mkdir -p "$tmp/ctx"
(
  cd "$tmp/ctx" || exit 1
  CI_REGISTRY=registry.example.test CI_REGISTRY_IMAGE=registry.example.test/acme/order-integration \
    CI_REGISTRY_USER=gitlab-ci-token CI_REGISTRY_PASSWORD=job-token CI_COMMIT_SHA=0123abcd CI_COMMIT_TAG=v1.2.3 \
    sh "$ci/build-image.sh" functions functions .
) >"$tmp/out.log" 2>&1
expect "build-image.sh succeeds under sh" test $? -eq 0
image=registry.example.test/acme/order-integration/functions
expect "build-image.sh: rootless daemonless build of functions/Dockerfile in the root context" contains "$CALLS" \
  "buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=functions"
expect "build-image.sh: registry cache import" contains "$CALLS" "--import-cache type=registry,ref=$image:buildcache"
expect "build-image.sh: registry cache export" contains "$CALLS" "--export-cache type=registry,ref=$image:buildcache,mode=max"
expect "build-image.sh: pushes :\$CI_COMMIT_SHA and the tag" contains "$CALLS" \
  "--output type=image,\"name=$image:0123abcd,$image:v1.2.3\",push=true"
expect "build-image.sh: digest as dotenv" contains "$tmp/ctx/target/ci/functions.env" \
  "FUNCTIONS_IMAGE=$image@sha256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd"
expect "build-image.sh: registry credentials for BuildKit" contains "$tmp/home/.docker/config.json" \
  "\"registry.example.test\":{\"auth\":\"$(printf 'gitlab-ci-token:job-token' | base64)\"}"

# --- coverage.sh -------------------------------------------------------------------------------------
header=GROUP,PACKAGE,CLASS,INSTRUCTION_MISSED,INSTRUCTION_COVERED,BRANCH_MISSED,BRANCH_COVERED,LINE_MISSED,LINE_COVERED,COMPLEXITY_MISSED,COMPLEXITY_COVERED,METHOD_MISSED,METHOD_COVERED
mkdir -p "$tmp/cov/a/target/site/jacoco" "$tmp/cov/b/target/site/jacoco"
printf '%s\na,p,C1,0,0,0,0,10,20,0,0,0,0\na,p,C2,0,0,0,0,0,10,0,0,0,0\n' "$header" >"$tmp/cov/a/target/site/jacoco/jacoco.csv"
printf '%s\nb,p,C3,0,0,0,0,0,60,0,0,0,0\n' "$header" >"$tmp/cov/b/target/site/jacoco/jacoco.csv"
"$ci/coverage.sh" "$tmp/cov" >"$tmp/coverage.out" 2>&1
expect "coverage.sh: total over all modules (90 of 100 lines)" contains "$tmp/coverage.out" "Total line coverage: 90.0%"
expect "coverage.sh: per module" contains "$tmp/coverage.out" "a line coverage: 75.0% (30 of 40 lines)"
regex=$(sed -n "s/^  coverage: '\/\(.*\)\/'$/\1/p" "$root/.gitlab-ci.yml")
expect "coverage.sh: the test job's coverage regex matches its total line" \
  python3 -c 'import re,sys; sys.exit(0 if re.search(sys.argv[1], open(sys.argv[2]).read()).group(0) == "Total line coverage: 90.0%" else 1)' \
  "$regex" "$tmp/coverage.out"

# --- promote-image.sh (plain sh, as in crane's busybox debug image) ------------------------------
registry=registry.example.test/acme/order-integration
sha=0123abcd
functions_digest=sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
front_digest=sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
promote() {
  CI_REGISTRY=registry.example.test CI_REGISTRY_IMAGE=$registry CI_REGISTRY_USER=gitlab-ci-token \
    CI_REGISTRY_PASSWORD=job-token CI_COMMIT_SHA=$sha CI_COMMIT_TAG=v1.2.3 \
    sh "$ci/promote-image.sh" functions front >"$tmp/out.log" 2>&1
}
reset
FAKE_CRANE_IMAGES="$registry/functions:$sha=$functions_digest $registry/front:$sha=$front_digest" promote
expect "promote-image.sh succeeds under sh when main pushed the commit's images" test $? -eq 0
expect "promote-image.sh: builds nothing" lacks "$CALLS" "buildctl"
expect "promote-image.sh: logs in to the registry" contains "$CALLS" \
  "crane auth login registry.example.test --username gitlab-ci-token --password-stdin"
expect "promote-image.sh: resolves functions:\$CI_COMMIT_SHA" contains "$CALLS" "crane digest $registry/functions:$sha"
expect "promote-image.sh: resolves front:\$CI_COMMIT_SHA" contains "$CALLS" "crane digest $registry/front:$sha"
expect "promote-image.sh: FUNCTIONS_IMAGE is the digest dev ran (dotenv)" contains "$tmp/out/promote.env" \
  "FUNCTIONS_IMAGE=$registry/functions@$functions_digest"
expect "promote-image.sh: FRONT_IMAGE is the digest dev ran (dotenv)" contains "$tmp/out/promote.env" \
  "FRONT_IMAGE=$registry/front@$front_digest"
expect "promote-image.sh: tags that digest with the release tag" contains "$CALLS" \
  "crane tag $registry/functions@$functions_digest v1.2.3"
promoted_functions=$(sed -n 's/^FUNCTIONS_IMAGE=//p' "$tmp/out/promote.env")
promoted_front=$(sed -n 's/^FRONT_IMAGE=//p' "$tmp/out/promote.env")
reset
ROLLOUT_ENV=dev ROLLOUT_STEPS=100 FUNCTIONS_IMAGE=$promoted_functions FRONT_IMAGE=$promoted_front \
  "$ci/deploy.sh" >"$tmp/out.log" 2>&1
expect "deploy.sh deploys the promoted functions digest" contains "$CALLS" "--image $registry/functions@$functions_digest"
expect "deploy.sh deploys the promoted front digest" contains "$APPLIED" "digest: $front_digest"

reset
FAKE_CRANE_IMAGES="$registry/functions:$sha=$functions_digest" promote
expect "promote-image.sh fails when the commit has no image (tag not on a commit from main)" test $? -ne 0
expect "promote-image.sh names the missing image" contains "$tmp/out.log" \
  "$registry/front:$sha does not exist: tags must be on commits whose default-branch pipeline pushed its images"
expect "promote-image.sh tags nothing when an image is missing" lacks "$CALLS" "crane tag"
expect "promote-image.sh writes no dotenv when an image is missing" test ! -e "$tmp/out/promote.env"
