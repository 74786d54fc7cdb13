#!/usr/bin/env bash
# Builds both images from the repository's Dockerfiles with buildah and runs them with podman as
# the cluster runs them, on this machine (no Docker engine, no registry, no Kubernetes):
#
#   localhost/order-integration/functions:test   functions/Dockerfile
#   localhost/order-integration/front:test       nginx/Dockerfile
#
# on the stand-in bases of scripts/image/build-local-bases.sh (made once per machine). Each
# container gets what the rendered overlay (kubectl kustomize knative/overlays/dev) gives its
# Knative Service or Deployment: user, read-only root filesystem with emptyDirs as the only writable
# paths, memory limit, dropped capabilities, no privilege escalation, the environment of its
# ConfigMaps and env, its Secrets as files (test values), the probes; knative_to_podman.py
# translates them. The upstream URLs point to stand-ins on the containers' podman network instead.
# Then it checks, one PASS/FAIL line each:
#   - both functions Services start and answer their readiness and liveness probes;
#   - a signed webhook sent to the front reaches order-webhook over the network and the Orders API
#     stand-in, and comes back 200; a CloudEvent sent to order-status-sync reaches the ERP
#     stand-in (token, then status update);
#   - each Service starts its own Spring AOT build, and its JVM uses its AOT cache (given, mapped;
#     the check adds -XX:AOTMode=on to JAVA_OPTS, which makes a cache the JVM refuses fatal);
#   - the JVM is PID 1 with the production flags (scripts/image/run-functions.sh); the front's
#     entrypoint rendered its templates;
#   - nothing is written outside the emptyDirs; every process runs as the numeric user, without
#     capabilities; each container ends on its stop signal;
# and prints image sizes, the cold start inside the container and emptyDir usage as figures.
# Containers and the network are removed on every exit; both images are left in local storage.
# Ends with "N passed, N failed"; exits non-zero when a check failed.
#
# Usage: scripts/image/test-images.sh [--no-build]   (--no-build: run the :test images as they are)
#   TEST_IMAGES_OVERLAY  the overlay whose configuration is run (default dev)
# Installs buildah, podman, runc, debootstrap, netavark, aardvark-dns, curl, openssl and
# python3-yaml with apt-get when missing. Root only.
set -euo pipefail

# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ci/lib.sh"
# shellcheck source=scripts/java.sh
source "$(dirname "${BASH_SOURCE[0]}")/../java.sh"
cd "$CI_REPO_ROOT"
repo=$PWD

build=true
case "${1:-}" in
  --no-build) build=false ;;
  "") ;;
  *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac
overlay=${TEST_IMAGES_OVERLAY:-dev}

readonly FUNCTIONS_IMAGE=localhost/order-integration/functions:test
readonly FRONT_IMAGE=localhost/order-integration/front:test
readonly STAND_IN_JDK=localhost/stand-in/temurin:25-jdk
readonly STAND_IN_JRE=localhost/stand-in/temurin:25-jre
readonly STAND_IN_NGINX=localhost/stand-in/nginx-unprivileged:1.22
export BUILDAH_ISOLATION=chroot

[[ $(id -u) -eq 0 ]] || { echo "$0: run as root (buildah, podman)" >&2; exit 2; }
# Packages by what shows they are there. netavark and aardvark-dns (podman's network stack and its
# DNS, which gives containers each other's names) are named: they are only recommended by podman;
# netavark sets up the network's NAT with iptables, which nothing pulls in ("netavark: No such file
# or directory" without it).
missing=()
for tool in buildah podman runc debootstrap netavark iptables curl openssl; do
  command -v "$tool" >/dev/null || [[ -x /usr/lib/podman/$tool || -x /usr/sbin/$tool ]] || missing+=("$tool")
done
[[ -x /usr/lib/podman/aardvark-dns ]] || command -v aardvark-dns >/dev/null || missing+=(aardvark-dns)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if ((${#missing[@]} > 0)); then
  echo "test-images.sh: installing ${missing[*]} with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# kubectl renders the overlay (its built-in kustomize), as the pipeline's manifests job does.
ensure_kubectl

work=$repo/target/test-images
rm -rf "$work"
mkdir -p "$work"
# Names of this run's containers and network: concurrent runs on the machine do not collide.
run=oi-test-$$
started=$SECONDS

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
figure() { echo "FIGURE: $*"; }
indent() { sed 's/^/    /'; }
finish() {
  echo "test-images.sh: $((SECONDS - started)) s in total"
  echo "$passed passed, $failed failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}
# podman logs its own notices (e.g. when syslog is missing) on stderr: only real output is kept.
quiet_podman() { podman "$@" 2> >(grep -v 'failed to connect to syslog' >&2); }
# log_of NAME: container NAME's output so far, saved to a file whose path it prints (grep -q on a
# pipe from podman logs would end it early, and pipefail would count that as a failure).
log_of() {
  quiet_podman logs "$run-$1" >"$work/$1.log" 2>&1 || true
  echo "$work/$1.log"
}

containers=()
network_created=false
# Called by the EXIT trap: removes what this run started, whatever stopped it.
# shellcheck disable=SC2317
cleanup() {
  local name
  for name in "${containers[@]}"; do
    podman rm --force --time 5 "$name" >/dev/null 2>&1 || true
  done
  if $network_created; then
    podman network rm --force "$run" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. bases and builds ----------------------------------------------------------------------------
# drop_replaced OLD_ID IMAGE: removes the image IMAGE named before its rebuild, now untagged.
# shellcheck disable=SC2317
drop_replaced() {
  local old=$1 image=$2 new
  new=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  if [[ -n $old && $old != "$new" ]]; then
    podman rmi "$old" >/dev/null 2>&1 || true
  fi
}

# The front's build (context nginx/, as in GitLab's package:front).
# shellcheck disable=SC2317
build_front() {
  local old
  old=$(podman image inspect --format '{{.Id}}' "$FRONT_IMAGE" 2>/dev/null || true)
  buildah bud --layers=false --pull=never --build-arg "NGINX_IMAGE=$STAND_IN_NGINX" \
    -f nginx/Dockerfile -t "$FRONT_IMAGE" nginx || return 1
  drop_replaced "$old" "$FRONT_IMAGE"
}

# The functions build (context the repository root, as in GitLab's package:functions). The build
# stage's Maven cache mount (/root/.m2) is buildah's, kept on the machine between builds
# (/var/tmp/buildah-cache); on a fresh machine the first build fills it from Maven Central. The
# machine's ~/.m2/repository is not laid over it: with it or without, the Maven step takes the same
# time here, where it compiles far longer than it downloads (docs/03-deployment.md).
# shellcheck disable=SC2317
build_functions() {
  local old
  old=$(podman image inspect --format '{{.Id}}' "$FUNCTIONS_IMAGE" 2>/dev/null || true)
  buildah bud --layers=false --pull=never \
    --build-arg "JDK_IMAGE=$STAND_IN_JDK" --build-arg "JRE_IMAGE=$STAND_IN_JRE" \
    -f functions/Dockerfile -t "$FUNCTIONS_IMAGE" . || return 1
  drop_replaced "$old" "$FUNCTIONS_IMAGE"
}

# timed NAME LOG COMMAND...: runs a build step with its output in LOG; PASS with the time, or FAIL
# with the end of the log, and then the run stops (nothing to run). COMMAND runs as an `if`
# condition, where bash ignores set -e: a function given as COMMAND returns its failures itself.
timed() {
  local name=$1 logfile=$2 begin=$SECONDS
  shift 2
  if "$@" >"$logfile" 2>&1; then
    pass "$name ($((SECONDS - begin)) s)"
  else
    tail -n 40 "$logfile" | indent
    fail "$name (log: $logfile)"
    finish
  fi
}

if $build; then
  timed "stand-in bases (scripts/image/build-local-bases.sh)" "$work/bases.log" scripts/image/build-local-bases.sh
  sed 's/^build-local-bases.sh: /    /' "$work/bases.log"
  timed "buildah builds $FRONT_IMAGE from nginx/Dockerfile" "$work/build-front.log" build_front
  timed "buildah builds $FUNCTIONS_IMAGE from functions/Dockerfile" "$work/build-functions.log" build_functions
  grep -E 'prepare-functions.sh: .* ready|AotTraining: ' "$work/build-functions.log" | indent || true
fi
for image in "$FUNCTIONS_IMAGE" "$FRONT_IMAGE"; do
  podman image exists "$image" || { fail "$image is not in local storage"; finish; }
done

# --- 2. the configuration the cluster gives each container ----------------------------------------
kubectl kustomize "knative/overlays/$overlay" >"$work/rendered.yaml"
# workload NAME KIND: the translation of the rendered KIND/NAME into $work/NAME.run.
workload() {
  /usr/bin/python3 scripts/image/knative_to_podman.py "$work/rendered.yaml" "$2" "$1" >"$work/$1.run" \
    || { fail "the rendered $2/$1 cannot be run as the cluster runs it (above)"; finish; }
}
workload order-webhook Service
workload order-status-sync Service
workload front Deployment

# Test values for the Secrets, by the file name the Services mount (labelled: not real secrets).
# A file without a test value stops the run: the app would start without a setting it needs.
secret_value() {
  case "$1" in
    # base64 of "test-images-only-not-a-secret"
    integration.webhook.secrets) echo 'whsec_dGVzdC1pbWFnZXMtb25seS1ub3QtYS1zZWNyZXQ=' ;;
    # base64 of "test-images-smoke-only-not-a-secret"
    integration.webhook.smoke-secrets) echo 'whsec_dGVzdC1pbWFnZXMtc21va2Utb25seS1ub3QtYS1zZWNyZXQ=' ;;
    integration.orders-api.token) echo 'test-images-orders-token' ;;
    spring.security.oauth2.client.registration.erp.client-id) echo 'test-images-erp-client' ;;
    spring.security.oauth2.client.registration.erp.client-secret) echo 'test-images-erp-secret' ;;
    *) return 1 ;;
  esac
}

# --- 3. stand-ins --------------------------------------------------------------------------------
# THE place that starts the systems the functions call. Everything else uses only what it sets:
#   stand_in_url NAME        the URL on the podman network (NAME: orders-api, erp)
#   stand_in_count NAME JSON how many requests NAME received that match a WireMock request pattern
# Both are the testkit's stand-ins (its orders-api command, the ERP under /erp) in one container on
# the stand-in JRE; their token and client credentials are the test values of secret_value.
declare -A stand_in_urls stand_in_admin
start_stand_ins() {
  local testkit name=$run-stand-ins
  testkit=$(testkit_jar) || { fail "could not build testkit/target/testkit.jar"; finish; }
  containers+=("$name")
  quiet_podman run --detach --name "$name" --network "$run" "${machine_flags[@]}" \
    --publish 127.0.0.1::8080 --volume "$testkit:/stand-in/testkit.jar:ro" --user 10001:10001 --memory 256m \
    --entrypoint java "$STAND_IN_JRE" -jar /stand-in/testkit.jar orders-api --bind 0.0.0.0 --port 8080 \
    --token "$(secret_value integration.orders-api.token)" \
    --erp-client-id "$(secret_value spring.security.oauth2.client.registration.erp.client-id)" \
    --erp-client-secret "$(secret_value spring.security.oauth2.client.registration.erp.client-secret)" >/dev/null \
    || { fail "the stand-ins could not be started (above)"; finish; }
  stand_in_urls[orders-api]=http://$name:8080
  stand_in_urls[erp]=http://$name:8080/erp
  stand_in_admin[orders-api]=http://$(quiet_podman port "$name" 8080/tcp)
  stand_in_admin[erp]=${stand_in_admin[orders-api]}
  if ! wait_for "${stand_in_admin[orders-api]}/__admin/health" 60 >/dev/null; then
    tail -n 20 "$(log_of stand-ins)" | indent
    fail "the stand-ins did not start"
    finish
  fi
}
stand_in_url() { echo "${stand_in_urls[$1]}"; }
stand_in_count() {
  curl -s --max-time 5 -H 'Content-Type: application/json' --data-binary "$2" \
    "${stand_in_admin[$1]}/__admin/requests/count" | sed -n 's/.*"count" *: *\([0-9]*\).*/\1/p'
}

# now_ms: milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_for URL SECONDS [SINCE_MS [CONTAINER]]: polls URL every 0.1 s until it answers 200, for at
# most SECONDS, or until CONTAINER (a name of this run) has stopped; prints the seconds since
# SINCE_MS (default: the call), to a tenth.
wait_for() {
  local url=$1 limit_ms=$(($2 * 1000)) begin status elapsed container=${4:-}
  begin=${3:-$(now_ms)}
  while :; do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
    elapsed=$(($(now_ms) - begin))
    if [[ $status == 200 ]]; then
      printf '%d.%d\n' $((elapsed / 1000)) $((elapsed % 1000 / 100))
      return 0
    fi
    ((elapsed < limit_ms)) || return 1
    if [[ -n $container && $(quiet_podman inspect --format '{{.State.Running}}' "$run-$container") != true ]]; then
      return 1
    fi
    sleep 0.1
  done
}

# --- 4. run as the cluster does -------------------------------------------------------------------
quiet_podman network create "$run" >/dev/null
network_created=true
gateway=$(quiet_podman network inspect --format '{{range .Subnets}}{{.Gateway}}{{end}}' "$run")
# This machine's podman, not the cluster: kept apart from the flags the manifests give (in
# $work/NAME.run), which are what a production `docker run` would use.
#   --runtime runc, --ulimit: crun fails here ("cgroups in hybrid mode"), and raising an rlimit
#     is not permitted on these machines.
#   --dns: the network's own DNS only, as a pod has only the cluster DNS; podman would add the
#     host's resolver too, and nginx asks its resolvers in turn.
machine_flags=(--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --dns "$gateway")
start_stand_ins

# The test's one addition to the cluster's configuration (appended to the Services' JAVA_OPTS).
readonly AOT_REQUIRED=-XX:AOTMode=on

# Upstream URLs of the configuration, pointed into the test network. Any other http(s) value stops
# the run: a container would call out of it.
declare -A upstream_override=(
  [INTEGRATION_ORDERSAPI_BASEURL]=$(stand_in_url orders-api)
  [INTEGRATION_ERP_BASEURL]=$(stand_in_url erp)
  [SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_ERP_TOKENURI]=$(stand_in_url erp)/oauth/token
  # The front calls a Service by its cluster-local name on port 80, Knative's gateway, which passes
  # the request to the container's port: here the name leads to the container itself (aliases_of).
  [FRONT_UPSTREAM_PORT]=$(sed -n 's/^port\t//p' "$work/order-webhook.run")
)

# aliases_of SERVICE: sets aliases to the podman --network-alias arguments that give container
# SERVICE the cluster-local names the front calls it by (its FRONT_*_HOST values whose first label
# is SERVICE), so that the front's resolver finds it as the cluster DNS would. A host of a Service
# this run does not start stops it: the front would call nothing.
aliases_of() {
  local line host
  aliases=()
  while IFS= read -r line; do
    host=${line#*=}
    case "${host%%.*}" in
      "$1") aliases+=(--network-alias "$host") ;;
      order-webhook | order-status-sync) ;;
      *) fail "front: ${line%%=*}=$host names no Service this test runs"; finish ;;
    esac
  done < <(sed -n 's/^env\t\(FRONT_[A-Z_]*_HOST=.*\)$/\1/p' "$work/front.run" | sort -u)
}

# run_args NAME: podman run arguments for workload NAME ($work/NAME.run) in args, with the secrets
# written as files and the upstream URLs overridden; sets port, probe_readiness, probe_liveness,
# and production_flags[NAME] (the flags that come from the manifests).
declare -A production_flags empty_dirs
run_args() {
  local name=$1 kind value rest key mount file secrets_dir=$work/secrets/$1
  args=()
  production_flags[$name]=
  while IFS=$'\t' read -r kind value rest; do
    case "$kind" in
      flag)
        args+=("$value")
        production_flags[$name]+=" $value"
        ;;
      env)
        key=${value%%=*}
        value=${value#*=}
        if [[ -n ${upstream_override[$key]+set} ]]; then
          value=${upstream_override[$key]}
        elif [[ $value == http://* || $value == https://* ]]; then
          fail "$name: $key=$value would leave the test network (add it to upstream_override)"
          finish
        fi
        if [[ $key == JAVA_OPTS ]]; then
          value="$value $AOT_REQUIRED"
        fi
        args+=(--env "$key=$value")
        ;;
      secret)
        mount=$value
        file=$rest
        if ! secret_value "$file" >/dev/null; then
          fail "$name mounts the secret file $mount/$file, for which secret_value has no test value"
          finish
        fi
        mkdir -p "$secrets_dir"
        secret_value "$file" | tr -d '\n' >"$secrets_dir/$file"
        chmod 0644 "$secrets_dir/$file"
        ;;
      emptydir)
        # A directory of its own, mode 0777 and empty, as the kubelet makes it.
        empty_dir=$work/empty-dirs/$name${value//\//_}
        mkdir -p "$empty_dir"
        chmod 0777 "$empty_dir"
        args+=(--volume "$empty_dir:$value")
        production_flags[$name]+=" --volume EMPTY_DIR:$value"
        empty_dirs[$name]+="$value|$empty_dir|$rest "
        ;;
      port) port=$value ;;
      probe)
        if [[ $value == readiness ]]; then probe_readiness=$rest; else probe_liveness=$rest; fi
        ;;
    esac
  done <"$work/$name.run"
  if [[ -d $secrets_dir ]]; then
    chmod 0755 "$secrets_dir"
    args+=(--volume "$secrets_dir:$mount:ro")
  fi
}

# What Knative adds to every revision's container (PORT: the container port).
knative_env() {
  echo --env "PORT=$(sed -n 's/^port\t//p' "$work/$1.run")" --env "K_SERVICE=$1" --env "K_CONFIGURATION=$1" \
    --env "K_REVISION=$1-00001"
}

declare -A host_url
# start NAME IMAGE [EXTRA...]: starts workload NAME, waits for its readiness probe (cold start),
# checks liveness. Sets host_url[NAME].
start() {
  local name=$1 image=$2 waited begin
  shift 2
  run_args "$name"
  containers+=("$run-$name")
  begin=$(now_ms)
  if ! quiet_podman run --detach --name "$run-$name" --network "$run" "${machine_flags[@]}" "${args[@]}" "$@" \
    --publish "127.0.0.1::$port" "$image" >/dev/null; then
    fail "$name: podman run failed (above)"
    return 1
  fi
  host_url[$name]=http://$(quiet_podman port "$run-$name" "$port/tcp")
  if waited=$(wait_for "${host_url[$name]}$probe_readiness" 120 "$begin" "$name"); then
    pass "$name: readiness probe $probe_readiness answers 200"
    figure "$name: cold start, podman run to readiness 200: $waited s"
  else
    tail -n 40 "$(log_of "$name")" | indent
    fail "$name: readiness probe $probe_readiness did not answer 200 (within 120 s, while the container ran)"
    return 1
  fi
  if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${host_url[$name]}$probe_liveness") == 200 ]]; then
    pass "$name: liveness probe $probe_liveness answers 200"
  else
    fail "$name: liveness probe $probe_liveness did not answer 200"
  fi
}

# Started one after the other, as a cold start after scale to zero: the figures are not two JVMs
# sharing the CPUs.
for service in order-webhook order-status-sync; do
  aliases_of "$service"
  # shellcheck disable=SC2046
  start "$service" "$FUNCTIONS_IMAGE" $(knative_env "$service") "${aliases[@]}" || finish
  figure "$service: $(grep -o -m 1 'Started [A-Za-z]* in [0-9.]* seconds (process running for [0-9.]*)' "$(log_of "$service")")"
done
start front "$FRONT_IMAGE" || finish

# --- 5. the requests, end to end ------------------------------------------------------------------
webhook_sample=functions/src/test/resources/samples/webhooks/order-created.json
output=$(WEBHOOK_SECRET=$(secret_value integration.webhook.secrets) \
  scripts/send-webhook.sh "$webhook_sample" "${host_url[front]}/integrations/webhooks/orders" 2>&1 || true)
webhook_id=$(sed -n 's/^webhook-id: //p' <<<"$output")
orders=$(stand_in_count orders-api "{\"method\": \"POST\", \"url\": \"/api/v1/orders\",
  \"headers\": {\"Idempotency-Key\": {\"equalTo\": \"$webhook_id\"}}}")
# nginx writes its access log line after the answer, and podman's log reaches it after that: wait for it.
proxied=0
for _ in {1..50}; do
  proxied=$(grep -c '"path":"/integrations/webhooks/orders","status":200,.*"upstream_status":"200"' "$(log_of front)" || true)
  [[ $proxied == 0 ]] || break
  sleep 0.1
done
if grep -qx 'HTTP 200' <<<"$output" && [[ $orders == 1 && $proxied == 1 ]]; then
  pass "a signed webhook sent to the front comes back 200, passed by nginx to order-webhook (upstream_status 200) and by it to the Orders API stand-in (1 order with its webhook-id)"
else
  indent <<<"$output"
  fail "webhook through the front: expected HTTP 200, 1 proxied request and 1 order at the stand-in; got 1 request in the front's log: $proxied, orders: ${orders:-none}"
fi

event_sample=functions/src/test/resources/samples/events/status-shipped.json
order_number=$(sed -n 's/.*"externalRef": *"[^":]*:\([^"]*\)".*/\1/p' "$event_sample")
output=$(scripts/send-event.sh "$event_sample" "${host_url[order-status-sync]}/orderStatusSync" 2>&1 || true)
# order-status-sync answers 2xx only after the ERP did, and the ERP stand-in takes only tokens it issued.
tokens=$(stand_in_count erp '{"method": "POST", "url": "/erp/oauth/token"}')
updates=$(stand_in_count erp "{\"method\": \"PUT\", \"url\": \"/erp/api/orders/$order_number/status\"}")
if [[ $(head -n 1 <<<"$output") == HTTP/1.1\ 2* && ${tokens:-0} -ge 1 && $updates == 1 ]]; then
  pass "a CloudEvent sent to order-status-sync is answered $(head -n 1 <<<"$output" | cut -d' ' -f2) and reaches the ERP stand-in: a token ($tokens request), then the status of $order_number with it"
else
  indent <<<"$output"
  fail "CloudEvent to order-status-sync: token requests at the ERP stand-in: ${tokens:-none}, status updates of $order_number: ${updates:-none}"
fi

# --- 6. inside the containers ---------------------------------------------------------------------
# Paths podman itself creates in a container's upper layer (mount points of what it mounts).
podman_paths='^[AC] (/etc|/etc/hosts|/etc/hostname|/etc/resolv.conf|/run|/run/.containerenv|/tmp|/etc/secrets|/etc/nginx|/etc/nginx/conf.d)$'

# processes NAME UID GID: every process of container NAME runs as UID:GID without capabilities and
# cannot gain privileges.
processes() {
  local name=$1 uid=$2 gid=$3 pid bad=() count=0
  while read -r pid; do
    [[ $pid =~ ^[0-9]+$ ]] || continue
    count=$((count + 1))
    grep -qP "^Uid:\t$uid\t$uid\t$uid\t$uid$" "/proc/$pid/status" || bad+=("$pid: $(grep ^Uid: "/proc/$pid/status")")
    grep -qP "^Gid:\t$gid\t$gid\t$gid\t$gid$" "/proc/$pid/status" || bad+=("$pid: $(grep ^Gid: "/proc/$pid/status")")
    grep -qP '^CapEff:\t0+$' "/proc/$pid/status" || bad+=("$pid: $(grep ^CapEff: "/proc/$pid/status")")
    grep -qP '^NoNewPrivs:\t1$' "/proc/$pid/status" || bad+=("$pid: no NoNewPrivs")
  done < <(quiet_podman top "$run-$name" hpid)
  if ((count > 0 && ${#bad[@]} == 0)); then
    pass "$name: its $count process(es) run as $uid:$gid, with no capabilities and no_new_privs"
  else
    fail "$name: processes ($count): ${bad[*]:-none found}"
  fi
}

# writes NAME: nothing written outside the container's writable mounts.
writes() {
  local name=$1 changes entry mount dir size
  changes=$(quiet_podman diff "$run-$name" | grep -Ev "$podman_paths" || true)
  if [[ -z $changes ]] && ! grep -q 'Read-only file system' "$(log_of "$name")"; then
    pass "$name: nothing written outside its emptyDirs (podman diff empty, no 'Read-only file system' in the log)"
  else
    fail "$name: written outside its emptyDirs: ${changes:-see 'Read-only file system' in its log}"
  fi
  for entry in ${empty_dirs[$name]}; do
    IFS='|' read -r mount dir size <<<"$entry"
    figure "$name: its emptyDir $mount holds $(du -sk "$dir" | cut -f1) KiB (sizeLimit $size)"
  done
}

for service in order-webhook order-status-sync; do
  pid=$(quiet_podman inspect --format '{{.State.Pid}}' "$run-$service")
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  dir=/app/services/$service
  if [[ $(readlink "/proc/$pid/exe") == /opt/java/openjdk/bin/java ]]; then
    pass "$service: PID 1 is the JVM of /opt/java/openjdk (run-functions.sh execs it, so SIGTERM reaches it)"
  else
    fail "$service: PID 1 is $(readlink "/proc/$pid/exe"): $cmdline"
  fi
  missing_flags=()
  for flag in -XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.io.tmpdir=/tmp -Dspring.aot.enabled=true "-XX:AOTCache=$dir/functions.aot" \
    "$(grep -o 'JAVA_OPTS=[^ ]*' "$work/$service.run" | cut -d= -f2-)" "-jar $dir/spring-aot.jar"; do
    [[ $cmdline == *"$flag"* ]] || missing_flags+=("$flag")
  done
  if ((${#missing_flags[@]} == 0)); then
    pass "$service: launched with run-functions.sh's flags, then the overlay's JAVA_OPTS, from $dir/spring-aot.jar"
  else
    fail "$service: launched without ${missing_flags[*]}: $cmdline"
  fi
  if grep -q 'Starting AOT-processed' "$(log_of "$service")" && [[ $cmdline == *"-jar $dir/spring-aot.jar"* ]]; then
    pass "$service: starts its own Spring AOT build ($dir/spring-aot.jar, \"Starting AOT-processed\")"
  else
    fail "$service: did not start from its Spring AOT build"
  fi
  # -XX:AOTMode=on makes the JVM exit when the cache given by -XX:AOTCache cannot be used (without
  # -XX:AOTCache, it starts without a cache: hence the flag is checked too).
  if [[ $cmdline == *"-XX:AOTCache=$dir/functions.aot"* && $cmdline == *"$AOT_REQUIRED"* ]] \
    && grep -q "$dir/functions.aot" "/proc/$pid/maps"; then
    pass "$service: the JVM uses $dir/functions.aot (given by -XX:AOTCache, started with $AOT_REQUIRED, mapped)"
  else
    fail "$service: the JVM does not use $dir/functions.aot"
  fi
  processes "$service" 10001 10001
  writes "$service"
done

pid=$(quiet_podman inspect --format '{{.State.Pid}}' "$run-front")
rendered=/proc/$pid/root/etc/nginx/conf.d/default.conf
if [[ -s $rendered ]] && ! grep -q '[$]{FRONT_' "$rendered" && grep -q "resolver $gateway " "$rendered"; then
  pass "front: the entrypoint rendered nginx/templates into /etc/nginx/conf.d, every FRONT_ variable set, the resolver from resolv.conf"
else
  fail "front: /etc/nginx/conf.d/default.conf missing or not fully rendered"
fi
processes front 101 101
writes front

# --- 7. figures -----------------------------------------------------------------------------------
for image in "$FUNCTIONS_IMAGE" "$FRONT_IMAGE" "$STAND_IN_JRE" "$STAND_IN_NGINX"; do
  figure "image $image: $(($(quiet_podman image inspect --format '{{.Size}}' "$image") / 1000000)) MB"
done
echo "The manifests' settings as run flags (this machine's workarounds aside: ${machine_flags[*]}):"
for name in order-webhook order-status-sync front; do
  echo "    $name:${production_flags[$name]}"
done

# --- 8. stop as Kubernetes does -------------------------------------------------------------------
# podman stop sends the image's stop signal (SIGTERM; the front's: SIGQUIT) and waits.
for name in order-webhook order-status-sync front; do
  begin=$SECONDS
  quiet_podman stop --time 30 "$run-$name" >/dev/null
  code=$(quiet_podman inspect --format '{{.State.ExitCode}}' "$run-$name")
  expected=143
  [[ $name == front ]] && expected=0
  if [[ $code == "$expected" ]] && ((SECONDS - begin < 30)); then
    pass "$name: stops on its stop signal within $((SECONDS - begin)) s (exit code $code)"
  else
    fail "$name: exit code $code after $((SECONDS - begin)) s of podman stop (expected $expected within 30 s)"
  fi
done

finish
