#!/usr/bin/env bash
# build job: compiles every module of the default reactor and packages the runnable jars
# (functions/target/functions.jar, knative/rollout/target/rollout.jar) for the later jobs.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

./mvnw -B -DskipTests package
ls -l functions/target/functions.jar knative/rollout/target/rollout.jar
