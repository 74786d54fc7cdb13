#!/usr/bin/env bash
# pipeline:check job and the project's tests of the CI set-up, offline:
#  1. gitlab-ci-local (installed into .ci/tmp when missing) parses .gitlab-ci.yml and validates
#     it against GitLab's JSON schema; the jobs of a merge request, default-branch, tag and frozen
#     tag pipeline are listed and asserted (stage, when, allow_failure), workflow:rules evaluated,
#     and the merged YAML (--preview) checked: environments, resource groups, rules, images.
#  2. docs/ci.md documents exactly the jobs of .gitlab-ci.yml and names only existing paths.
#  3. functions/Dockerfile and .dockerignore: pinned bases, numeric user, the image scripts.
#  4. the job scripts (deploy, preview, rollback, manifests, build-image, promote-image, coverage) with
#     stand-ins for java/rollout, kubectl, BuildKit and crane: the commands they issue, their dotenv.
#  5. shellcheck on every shell script of the repository.
#  6. the image scripts: scripts/ci/check-image.sh (extract, AOT training, production launch
#     answering its probes), unless --no-image is given (GitLab runs it as its own job,
#     image:check, on a JDK image; pipeline:check runs on a Node image).
# python3 and shellcheck are installed with apt-get when missing (Debian/Ubuntu job images).
# Ends with "N passed, N failed"; exits non-zero when a check failed.
#
# GitLab's security templates are `include: template:`, which gitlab-ci-local fetches from
# gitlab.com. There is no network here, so scripts/ci/tests/offline-templates/ (labelled
# stand-ins with the templates' job names and rule shape) are put into gitlab-ci-local's include
# cache first; .gitlab-ci.yml itself is checked unchanged.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_REPO_ROOT"

with_image=true
case "${1:-}" in
  --no-image) with_image=false ;;
  "") ;;
  *) die "usage: $0 [--no-image]" ;;
esac

GITLAB_CI_LOCAL_VERSION=4.60.0
# Its dependency re2 is a native module: npm compiles it when no prebuilt binary can be fetched
# (a few minutes, once per folder). GITLAB_CI_LOCAL_DIR may point at a folder kept between runs.
gcl_dir=${GITLAB_CI_LOCAL_DIR:-$CI_TOOLS_DIR/gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION}
gcl="$gcl_dir/node_modules/.bin/gitlab-ci-local"
state_dir=.ci/tmp/gitlab-ci-local-state
work=target/ci-check
rm -rf "$work" "$state_dir"
mkdir -p "$work"

# apt_install COMMAND PACKAGE: installs PACKAGE with apt-get when COMMAND is missing.
apt_updated=false
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing $2 with apt-get"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  if ! $apt_updated; then
    "${sudo[@]}" apt-get update -qq >&2
    apt_updated=true
  fi
  "${sudo[@]}" apt-get install -y -qq "$2" >&2
}
apt_install python3 python3
apt_install shellcheck shellcheck

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
  echo "$passed passed, $failed failed"
  if ((failed > 0)); then exit 1; fi
  exit 0
}

# --- 1. the pipeline, through gitlab-ci-local ---------------------------------------------------
if [[ ! -x "$gcl" ]]; then
  log "installing gitlab-ci-local $GITLAB_CI_LOCAL_VERSION into $gcl_dir"
  mkdir -p "$gcl_dir"
  npm install --prefix "$gcl_dir" --no-audit --no-fund --no-save --loglevel=error \
    "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION" >&2
fi
if [[ "$("$gcl" --version 2>/dev/null)" == "$GITLAB_CI_LOCAL_VERSION" ]]; then
  pass "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION installed"
else
  fail "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION could not be installed into $gcl_dir"
  finish
fi

templates="$state_dir/includes/gitlab.com/gitlab-org/gitlab/-/raw/HEAD/lib/gitlab/ci/templates"
mkdir -p "$templates"
cp -r scripts/ci/tests/offline-templates/. "$templates/"

common=(
  --state-dir "$state_dir"
  --variable CI_DEFAULT_BRANCH=main
  --variable CI_PROJECT_PATH=acme/order-integration
  --variable CI_REGISTRY_IMAGE=registry.example.invalid/acme/order-integration
)
mr=(--variable CI_PIPELINE_SOURCE=merge_request_event --variable CI_MERGE_REQUEST_IID=42
  --variable CI_COMMIT_REF_NAME=feature/x --variable CI_COMMIT_REF_SLUG=feature-x
  --unset-variable CI_COMMIT_BRANCH --unset-variable CI_COMMIT_TAG)
default=(--variable CI_PIPELINE_SOURCE=push --variable CI_COMMIT_BRANCH=main
  --variable CI_COMMIT_REF_NAME=main --variable CI_COMMIT_REF_SLUG=main --unset-variable CI_COMMIT_TAG)
tag=(--variable CI_PIPELINE_SOURCE=push --variable CI_COMMIT_TAG=v1.2.3 --variable CI_COMMIT_REF_NAME=v1.2.3
  --variable CI_COMMIT_REF_SLUG=v1-2-3 --unset-variable CI_COMMIT_BRANCH)

# list_json NAME ARGS...: gitlab-ci-local --list-json, keeping the JSON (it prints warnings first).
list_json() {
  local name=$1 out
  shift
  if out=$("$gcl" "${common[@]}" "$@" --list-json 2>"$work/list-$name.err"); then
    printf '%s\n' "$out" | sed -n '/^\[/,$p' >"$work/list-$name.json"
    return 0
  fi
  cat "$work/list-$name.err" >&2
  return 1
}

if "$gcl" "${common[@]}" "${default[@]}" --preview >"$work/preview.yml" 2>"$work/preview.err" \
  && grep -q 'json schema validated' "$work/preview.err"; then
  pass ".gitlab-ci.yml parses and validates against GitLab's JSON schema (gitlab-ci-local)"
else
  sed 's/^/    /' "$work/preview.err"
  fail ".gitlab-ci.yml does not parse or validate (gitlab-ci-local)"
  finish
fi
node -e '
  const yaml = require(process.argv[1]);
  const docs = yaml.loadAll(require("fs").readFileSync(process.argv[2], "utf8")).filter(Boolean);
  process.stdout.write(JSON.stringify(Object.assign({}, ...docs)));
' "$gcl_dir/node_modules/js-yaml" "$work/preview.yml" >"$work/preview.json"

# The four listings are independent: run them side by side.
list_json mr "${mr[@]}" & mr_pid=$!
list_json default "${default[@]}" & default_pid=$!
list_json tag "${tag[@]}" & tag_pid=$!
list_json tag-frozen "${tag[@]}" --variable CI_DEPLOY_FREEZE=true & frozen_pid=$!
lists_ok=true
for pid in "$mr_pid" "$default_pid" "$tag_pid" "$frozen_pid"; do
  wait "$pid" || lists_ok=false
done
if $lists_ok; then
  pass "gitlab-ci-local lists the jobs of MR, default-branch, tag and frozen-tag pipelines"
else
  fail "gitlab-ci-local --list-json failed"
fi

cat >"$work/workflow-cases.json" <<'JSON'
{
  "merge request": {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "42"},
  "default branch": {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"},
  "tag v1.2.3": {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.2.3"},
  "tag 1.2.3 (no v)": {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "1.2.3"},
  "feature branch without MR": {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature/x"},
  "feature branch with an open MR (branch pipeline)": {"CI_PIPELINE_SOURCE": "push",
    "CI_COMMIT_BRANCH": "feature/x", "CI_OPEN_MERGE_REQUESTS": "acme/order-integration!42"},
  "default branch with an open MR from it (branch pipeline)": {"CI_PIPELINE_SOURCE": "push",
    "CI_COMMIT_BRANCH": "main", "CI_OPEN_MERGE_REQUESTS": "acme/order-integration!43"},
  "schedule on a feature branch": {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "feature/x"}
}
JSON
python3 - "$work/workflow-cases.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
for variables in cases.values():
    variables["CI_DEFAULT_BRANCH"] = "main"
json.dump(cases, open(sys.argv[1], "w"))
PY
node scripts/ci/tests/workflow-rules.mjs "$gcl_dir" .gitlab-ci.yml "$work/workflow-cases.json" >"$work/workflow.json"

# --- 2. and 3. docs/ci.md, the Dockerfile --------------------------------------------------------
python3 scripts/ci/tests/assert_pipeline.py "$work" "$CI_REPO_ROOT" >"$work/assert.txt" || true
python3 scripts/ci/tests/assert_docs_and_image.py "$work" "$CI_REPO_ROOT" >>"$work/assert.txt" || true
# --- 4. the job scripts ---------------------------------------------------------------------------
scripts/ci/tests/job-scripts.sh >>"$work/assert.txt" 2>&1 || true
if [[ ! -s "$work/assert.txt" ]]; then
  fail "the assertion scripts printed nothing"
fi
while IFS= read -r line; do
  case "$line" in
    PASS:*) pass "${line#PASS: }" ;;
    FAIL:*) fail "${line#FAIL: }" ;;
    *) echo "$line" ;;
  esac
done <"$work/assert.txt"

# --- 5. shellcheck -------------------------------------------------------------------------------
# Every tracked or new shell script, by extension or by shebang. The Maven wrapper (mvnw) is
# generated by Apache's wrapper plugin and kept as shipped, so it is left out.
mapfile -t scripts < <(
  git ls-files --cached --others --exclude-standard | grep -v '^mvnw$' | while IFS= read -r file; do
    [[ -f "$file" ]] || continue
    if [[ "$file" == *.sh ]] || head -n1 "$file" 2>/dev/null | grep -Eq '^#!.*\b(ba)?sh\b'; then
      echo "$file"
    fi
  done
)
if ((${#scripts[@]} == 0)); then
  fail "shellcheck: no script found"
fi
for script in "${scripts[@]}"; do
  if report=$(shellcheck -x "$script" 2>&1); then
    pass "shellcheck $script"
  else
    printf '%s\n' "$report" | sed 's/^/    /'
    fail "shellcheck $script"
  fi
done

# --- 6. the image scripts ----------------------------------------------------------------------
if $with_image; then
  status=0
  scripts/ci/check-image.sh >"$work/image.txt" 2>&1 || status=$?
  image_results=0
  while IFS= read -r line; do
    case "$line" in
      PASS:*) pass "image: ${line#PASS: }"; image_results=$((image_results + 1)) ;;
      FAIL:*) fail "image: ${line#FAIL: }"; image_results=$((image_results + 1)) ;;
      *" passed, "*" failed") ;;
      *) echo "    $line" ;;
    esac
  done <"$work/image.txt"
  if ((status != 0 && image_results == 0)); then
    fail "image: scripts/ci/check-image.sh exited $status without a result"
  fi
fi

finish
