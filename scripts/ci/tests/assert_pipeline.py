#!/usr/bin/env python3
"""Assertions on the pipeline, read from what gitlab-ci-local made of .gitlab-ci.yml.

Usage: assert_pipeline.py WORK_DIR REPO_ROOT
WORK_DIR holds, from scripts/ci/check-pipeline.sh:
  list-<scenario>.json   gitlab-ci-local --list-json for each simulated pipeline
  workflow.json          {"<case>": "run"|"skip"} from workflow-rules.mjs
  preview.json           gitlab-ci-local --preview (merged YAML: extends, includes, defaults), as JSON
Prints one "PASS: ..." or "FAIL: ... -- why" line per check; the caller counts them.
"""
import json
import os
import re
import sys

work, root = sys.argv[1], sys.argv[2]
results = []


def check(name, condition, detail=""):
    results.append((name, bool(condition), detail))


def load(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return json.load(f)


def jobs_of(scenario):
    """{job: (stage, when, allow_failure)} for the jobs that would be created."""
    return {
        j["name"]: (j["stage"], j["when"], j["allow_failure"])
        for j in load(f"list-{scenario}.json")
        if j["when"] != "never"
    }


preview = load("preview.json")
workflow = load("workflow.json")

# --- workflow:rules ---------------------------------------------------------------------------
for case, expected in {
    "merge request": "run",
    "default branch": "run",
    "tag v1.2.3": "run",
    "tag 1.2.3 (no v)": "skip",
    "feature branch without MR": "skip",
    "feature branch with an open MR (branch pipeline)": "skip",
    # GitLab's pattern against duplicates: the MR pipeline replaces the branch pipeline, even on
    # the default branch (deploy:dev then waits for the next push without an open MR from main).
    "default branch with an open MR from it (branch pipeline)": "skip",
    "schedule on a feature branch": "skip",
}.items():
    check(f"workflow: {case} -> {expected}", workflow.get(case) == expected, f"got {workflow.get(case)}")

check("stages are build, test, package, dev, staging, production",
      [s for s in preview["stages"] if s not in (".pre", ".post")]
      == ["build", "test", "package", "dev", "staging", "production"], preview["stages"])

# --- which jobs run, in which stage and with which when ---------------------------------------
SCANNERS = {
    "semgrep-sast": ("test", "on_success", True),
    "secret_detection": ("test", "on_success", True),
    "gemnasium-maven-dependency_scanning": ("test", "on_success", True),
}
COMMON = {
    "build": ("build", "on_success", False),
    "test": ("test", "on_success", False),
    "manifests": ("test", "on_success", False),
    "image:check": ("test", "on_success", False),
    "pipeline:check": ("test", "on_success", False),
}
# Build once, promote the same image: merge requests and the default branch build and push; a tag
# builds nothing and promotes the digests its commit's default-branch pipeline pushed.
BUILD_IMAGES = {
    "package:functions": ("package", "on_success", False),
    "package:front": ("package", "on_success", False),
}
PROMOTE = {"package:promote": ("package", "on_success", False)}
CONTAINER_SCANNING = {
    "container_scanning": ("package", "on_success", True),
    "container_scanning:front": ("package", "on_success", True),
}
expected = {
    "mr": {**COMMON, **BUILD_IMAGES, **SCANNERS, **CONTAINER_SCANNING,
           "preview": ("dev", "on_success", False),
           "preview:stop": ("dev", "manual", True)},
    "default": {**COMMON, **BUILD_IMAGES, **SCANNERS, **CONTAINER_SCANNING,
                "deploy:dev": ("dev", "on_success", False)},
    # The scanners' templates run on branches and MRs; a v* tag points at a commit already scanned.
    "tag": {**COMMON, **PROMOTE,
            "deploy:staging": ("staging", "on_success", False),
            "deploy:prod": ("production", "manual", False),
            "rollback:prod": ("production", "manual", True)},
    # A deploy freeze (GitLab sets CI_DEPLOY_FREEZE) stops every deployment, not the rollback.
    "tag-frozen": {**COMMON, **PROMOTE, "rollback:prod": ("production", "manual", True)},
}
for scenario, want in expected.items():
    got = jobs_of(scenario)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    check(f"{scenario} pipeline: exactly the expected jobs", not missing and not extra,
          f"missing {missing}, unexpected {extra}")
    for job, spec in want.items():
        if job in got:
            check(f"{scenario} pipeline: {job} is (stage, when, allow_failure) {spec}", got[job] == spec,
                  f"got {got[job]}")

# --- deploy jobs: environments, resource groups, rules, images -------------------------------
jobs = {k: v for k, v in preview.items() if isinstance(v, dict) and "script" in v and not k.startswith(".")}
DEPLOY = {
    "deploy:dev": ("dev", "dev", "100"),
    # preview, preview:stop and deploy:dev all rewrite dev's traffic blocks: one resource group.
    "preview": ("review/$CI_COMMIT_REF_SLUG", "dev", None),
    "preview:stop": ("review/$CI_COMMIT_REF_SLUG", "dev", None),
    "deploy:staging": ("staging", "staging", "50,100"),
    "deploy:prod": ("production", "production", "10,50,100"),
    "rollback:prod": ("production", "production", None),
}
for job, (env, group, steps) in DEPLOY.items():
    spec = jobs.get(job, {})
    environment = spec.get("environment") or {}
    check(f"{job}: environment {env}", environment.get("name") == env, environment)
    check(f"{job}: resource_group {group}", spec.get("resource_group") == group, spec.get("resource_group"))
    check(f"{job}: image is the pinned DEPLOY_IMAGE", (spec.get("image") or {}).get("name") == "$DEPLOY_IMAGE",
          spec.get("image"))
    check(f"{job}: not interruptible", spec.get("interruptible") is False, spec.get("interruptible"))
    check(f"{job}: runs on the in-cluster deploy runner", spec.get("tags") == ["order-integration-deploy"],
          spec.get("tags"))
    rules = spec.get("rules") or []
    whens = [r.get("when", "on_success") for r in rules]
    first_other = next((i for i, w in enumerate(whens) if w != "never"), len(whens))
    check(f"{job}: rules put every 'when: never' guard first",
          rules and "never" not in whens[first_other:], whens)
    if steps:
        check(f"{job}: --steps {steps}", (spec.get("variables") or {}).get("ROLLOUT_STEPS") == steps,
              spec.get("variables"))

environment_jobs = sorted(name for name, spec in jobs.items() if spec.get("environment"))
check("every job with an environment has a resource_group",
      all(jobs[name].get("resource_group") for name in environment_jobs), environment_jobs)
check("every deploy job has an environment", sorted(DEPLOY) == environment_jobs, environment_jobs)

preview_env = jobs.get("preview", {}).get("environment") or {}
check("preview: environment URL set", bool(preview_env.get("url")), preview_env)
check("preview: on_stop preview:stop", preview_env.get("on_stop") == "preview:stop", preview_env)
check("preview: auto_stop_in 1 week", preview_env.get("auto_stop_in") == "1 week", preview_env)
stop_env = jobs.get("preview:stop", {}).get("environment") or {}
check("preview:stop: environment action stop", stop_env.get("action") == "stop", stop_env)
check("deploy:prod: manual, blocking", [r.get("when") for r in jobs["deploy:prod"]["rules"]][-1] == "manual"
      and jobs["deploy:prod"].get("allow_failure") is False)
check("deploy:prod: metrics gate required",
      jobs["deploy:prod"]["variables"].get("ROLLOUT_REQUIRE_METRICS_GATE") == "true")
check("deploy:prod: needs deploy:staging (staging before production)",
      "deploy:staging" in [n["job"] for n in jobs["deploy:prod"]["needs"]])
for job in ("deploy:dev", "preview"):
    needs = [n["job"] for n in jobs[job]["needs"]]
    check(f"{job}: gets the image digest from package:functions (dotenv)", "package:functions" in needs, needs)
for job in ("deploy:staging", "deploy:prod"):
    needs = [n["job"] for n in jobs[job]["needs"]]
    check(f"{job}: gets the digests dev ran from package:promote (dotenv), builds nothing",
          "package:promote" in needs and not {"package:functions", "package:front"} & set(needs), needs)
promote = jobs.get("package:promote", {})
check("package:promote: resolves functions and front with scripts/ci/promote-image.sh",
      promote.get("script") == ["scripts/ci/promote-image.sh functions front"], promote.get("script"))
check("package:promote: crane image pinned by CRANE_IMAGE, entrypoint overridden",
      (promote.get("image") or {}).get("name") == "$CRANE_IMAGE"
      and (promote.get("image") or {}).get("entrypoint") == [""], promote.get("image"))
check("package:promote: digests as a dotenv report",
      ((promote.get("artifacts") or {}).get("reports") or {}).get("dotenv") in ("target/ci/promote.env", ["target/ci/promote.env"]),
      promote.get("artifacts"))
check("KUBE_CONTEXT comes from the GitLab agent",
      jobs["deploy:dev"]["variables"].get("KUBE_CONTEXT") == "$CI_PROJECT_PATH:$KUBE_AGENT")

variables = preview.get("variables", {})
pinned = re.compile(r"^[\w./-]+:(v?\d+\.\d+\.\d+[\w.-]*|[\w.-]*@sha256:[0-9a-f]{64})$")
for name in ("JAVA_IMAGE", "DEPLOY_IMAGE", "NODE_IMAGE", "BUILDKIT_IMAGE", "CRANE_IMAGE"):
    value = variables.get(name, "")
    value = value.get("value", "") if isinstance(value, dict) else value
    check(f"{name} pinned to an exact tag or digest", pinned.match(value) and "latest" not in value, value)

# --- test, package and the scripts behind every job --------------------------------------------
test = jobs["test"]
coverage = test.get("coverage", "").strip("/")
check("test: coverage regex reads coverage.sh's total line",
      re.search(coverage, "functions line coverage: 91.0% (10 of 11 lines)\nTotal line coverage: 87.5%\n")
      and re.search(coverage, "Total line coverage: 87.5%").group(0) == "Total line coverage: 87.5%", coverage)
reports = (test.get("artifacts") or {}).get("reports") or {}
check("test: surefire and failsafe JUnit reports",
      any("surefire-reports" in p for p in reports.get("junit", []))
      and any("failsafe-reports" in p for p in reports.get("junit", [])), reports.get("junit"))
check("test: JaCoCo coverage report", (reports.get("coverage_report") or {}).get("coverage_format") == "jacoco",
      reports.get("coverage_report"))
check("test: Maven cache", any(".m2/repository" in p for c in test.get("cache", []) for p in c.get("paths", [])),
      test.get("cache"))
check("test: runs ./mvnw -B verify",
      "./mvnw -B verify" in open(os.path.join(root, "scripts/ci/test.sh"), encoding="utf-8").read())
check("manifests: validates with the rollout CLI",
      "rollout validate" in open(os.path.join(root, "scripts/ci/manifests.sh"), encoding="utf-8").read())

for job in ("package:functions", "package:front"):
    spec = jobs[job]
    check(f"{job}: BuildKit rootless image, entrypoint overridden",
          spec["image"].get("name") == "$BUILDKIT_IMAGE" and spec["image"].get("entrypoint") == [""]
          and "rootless" in str(variables.get("BUILDKIT_IMAGE")), spec["image"])
    check(f"{job}: no Docker-in-Docker service", not spec.get("services"), spec.get("services"))
    check(f"{job}: daemonless without process sandbox",
          spec.get("variables", {}).get("BUILDKITD_FLAGS") == "--oci-worker-no-process-sandbox")
    check(f"{job}: digest as a dotenv report", "dotenv" in (spec.get("artifacts") or {}).get("reports", {}))
for job in ("container_scanning", "container_scanning:front"):
    image = "functions" if job == "container_scanning" else "front"
    check(f"{job}: scans $CI_REGISTRY_IMAGE/{image}:$CI_COMMIT_SHA",
          jobs[job]["variables"].get("CS_IMAGE") == f"$CI_REGISTRY_IMAGE/{image}:$CI_COMMIT_SHA",
          jobs[job]["variables"])

includes = [i.get("template") for i in (preview.get("include") or []) if isinstance(i, dict)]
with open(os.path.join(root, ".gitlab-ci.yml"), encoding="utf-8") as f:
    raw = f.read()
for template in ("Jobs/SAST.gitlab-ci.yml", "Jobs/Secret-Detection.gitlab-ci.yml",
                 "Jobs/Dependency-Scanning.gitlab-ci.yml", "Jobs/Container-Scanning.gitlab-ci.yml"):
    check(f"includes the GitLab template {template}", f"template: {template}" in raw or template in includes)

TEMPLATE_JOBS = {"sast", "semgrep-sast", "secret_detection", "gemnasium-maven-dependency_scanning",
                 "container_scanning", "container_scanning:front"}
script_line = re.compile(r"^scripts/ci/[\w-]+\.sh( .*)?$")
for name, spec in sorted(jobs.items()):
    if name in TEMPLATE_JOBS:
        continue
    lines = spec.get("script", [])
    ok = bool(lines) and all(script_line.match(line) for line in lines)
    exists = all(os.access(os.path.join(root, line.split()[0]), os.X_OK) for line in lines if script_line.match(line))
    check(f"{name}: script only calls an executable scripts/ci/*.sh", ok and exists, lines)

for name, ok, detail in results:
    print(f"PASS: {name}" if ok else f"FAIL: {name} -- {detail}")
