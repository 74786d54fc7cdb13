#!/usr/bin/env bash
# End-to-end suite of the front: a real nginx (Debian package) with the configuration rendered
# by scripts/render-nginx.sh, in front of the functions jar (with the testkit's Orders API stand-in,
# a WireMock stand-in for Knative's cluster-local gateway and a DNS stand-in for the cluster DNS),
# driven over HTTP and by a real headless Chromium.
# Installs nginx, chromium and chromium-driver with apt-get when they are missing, builds the
# functions jar (its own tests run in ./mvnw verify, not here) and runs the e2e module, after the
# testkit it takes its stand-in from.
#
# Usage: scripts/e2e.sh [extra Maven arguments, e.g. -Dtest=FrontHttpIntegrationTests*]
set -euo pipefail

cd "$(dirname "$0")/.."

missing=()
[[ -x /usr/sbin/nginx ]] || missing+=(nginx)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
command -v envsubst >/dev/null || missing+=(gettext-base)
if (( ${#missing[@]} > 0 )); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  echo "e2e: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The Debian package starts an nginx on port 80 where a service manager runs; the suite does not
# need it (it runs its own, as a child process, on a free port).

# shellcheck source=scripts/java.sh
source scripts/java.sh

echo "e2e: building functions/target/functions.jar"
./mvnw -B -q -pl functions -am package -DskipTests

echo "e2e: running the e2e module"
# -am: the e2e tests use the testkit's stand-in, which Maven resolves from the reactor.
./mvnw -B -Pe2e -pl e2e -am verify "$@"

echo "e2e: screenshots:"
for shot in e2e/target/screenshots/*.png; do
  echo "  $PWD/$shot"
done
