#!/usr/bin/env bash
# test job: the whole reactor's unit and integration tests (surefire + failsafe, JUnit XML under
# */target/*-reports/) with JaCoCo coverage, then the coverage summary the job's regex reads.
# The knative module's tests render the overlays with kubectl kustomize, hence kubectl, and run the
# gate queries against a real Prometheus, hence prometheus and promtool; the testkit's drive wrk.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

ensure_kubectl
ensure_test_tools
status=0
./mvnw -B verify || status=$?
# Print coverage even for a failed run, as long as reports exist: it helps reading the failure.
"$CI_REPO_ROOT/scripts/ci/coverage.sh" || true
exit "$status"
