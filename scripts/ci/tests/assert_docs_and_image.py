#!/usr/bin/env python3
"""Checks that docs/ci.md matches .gitlab-ci.yml and the scripts, and that the functions image's
Dockerfile keeps its promises. Usage: assert_docs_and_image.py WORK_DIR REPO_ROOT
(WORK_DIR/preview.json is gitlab-ci-local's merged pipeline). One PASS/FAIL line per check."""
import glob
import json
import os
import re
import sys

work, root = sys.argv[1], sys.argv[2]


def check(name, condition, detail=""):
    print(f"PASS: {name}" if condition else f"FAIL: {name} -- {detail}")


def read(path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


# --- docs/ci.md against .gitlab-ci.yml ---------------------------------------------------------
KEYWORDS = {"workflow", "stages", "include", "variables", "default"}
ci = read(".gitlab-ci.yml")
defined = {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_:-][\w.:-]*):", ci, re.M)} - KEYWORDS
docs_path = os.path.join(root, "docs/ci.md")
docs = read("docs/ci.md") if os.path.exists(docs_path) else ""
check("docs/ci.md exists", docs)
documented = set(re.findall(r"^###\s+`([^`]+)`", docs, re.M))
check("docs/ci.md has a section for every job of .gitlab-ci.yml", defined <= documented,
      f"undocumented: {sorted(defined - documented)}")
check("docs/ci.md documents no job that .gitlab-ci.yml lacks", documented <= defined,
      f"not in .gitlab-ci.yml: {sorted(documented - defined)}")
for job in sorted(documented & defined):
    section = docs.split(f"### `{job}`", 1)[1].split("\n### ", 1)[0]
    check(f"docs/ci.md: {job} is described in numbered steps", re.search(r"^1\. ", section, re.M),
          "no '1. ' step")

preview = json.load(open(os.path.join(work, "preview.json"), encoding="utf-8"))
for job in sorted(defined):
    spec = preview.get(job) or {}
    for line in spec.get("script", []):
        script = line.split()[0]
        if script.startswith("scripts/"):
            check(f"docs/ci.md: {job} names its script {script}", script in docs.split(f"### `{job}`", 1)[-1]
                  .split("\n### ", 1)[0], "not in its section")

# Every variable a CI script requires, and every variable the deploy jobs read, is documented.
required = set()
for path in glob.glob(os.path.join(root, "scripts/ci/*.sh")):
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"^\s*(?:if ! )?require_vars ([A-Z0-9_ ]+)", text, re.M):
        required.update(m.group(1).split())
required |= {"PROMETHEUS_URL", "KUBE_CONTEXT", "ROLLBACK_TO"}
missing = sorted(v for v in required if not v.startswith("CI_") and f"`{v}`" not in docs)
check("docs/ci.md documents every CI/CD variable the scripts read", not missing, f"missing: {missing}")

# Every repository path docs/ci.md names in backquotes exists (build outputs under target/ excepted).
TOP = ("scripts/", "functions/", "knative/", "nginx/", "docs/", "e2e/", ".ci/", ".gitlab-ci.yml",
       ".dockerignore", "pom.xml", "mvnw")
bad = []
for token in set(re.findall(r"`([^`\s]+)`", docs)):
    path = token.split(" ")[0].rstrip(".,:;")
    if not path.startswith(TOP) or "target/" in path or "$" in path or "<" in path:
        continue
    if not glob.glob(os.path.join(root, path)):
        bad.append(path)
check("every path docs/ci.md names exists", not bad, f"missing: {sorted(bad)}")

# --- functions/Dockerfile and .dockerignore -----------------------------------------------------
dockerfile = read("functions/Dockerfile")
# The bases are build arguments (stand-ins are passed for local builds): a FROM names an ARG whose
# default is what every other build uses.
arg_defaults = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", dockerfile, re.M))
froms = [re.sub(r"^\$\{(\w+)\}$", lambda m: arg_defaults.get(m.group(1), m.group(0)), f)
         for f in re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)]
exact = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$|^[\w./-]+@sha256:[0-9a-f]{64}$")
check("Dockerfile: every base image pinned to an exact release", froms and all(exact.match(f) for f in froms), froms)
check("Dockerfile: multi-stage, JDK 25 build and JRE 25 runtime",
      len(froms) >= 2 and "25." in froms[0] and "jdk" in froms[0] and "25." in froms[-1] and "jre" in froms[-1],
      froms)
check("Dockerfile: builds the functions and the testkit (its AOT training client) with ./mvnw -pl functions,testkit -am package -DskipTests",
      re.search(r"\./mvnw .*-pl functions,testkit -am package -DskipTests", dockerfile))
runtime = dockerfile.split("FROM ")[-1]
users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
check("Dockerfile: runs as a numeric non-root user", users and re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]), users)
check("Dockerfile: extracts and trains the AOT cache with scripts/image/prepare-functions.sh",
      "prepare-functions.sh" in runtime and "scripts/image/prepare-functions.sh" in dockerfile)
check("Dockerfile: launches with scripts/image/run-functions.sh",
      re.search(r'^ENTRYPOINT \["[^"]*run-functions\.sh"\]', runtime, re.M))
copied = re.findall(r"^COPY\s+(?!--)(.+)\s+\S+$", runtime, re.M)
sources = [s for line in copied for s in line.split()]
check("Dockerfile: every file it copies exists", all(os.path.exists(os.path.join(root, s)) for s in sources), sources)
check("Dockerfile: no configuration baked into the image (training values stay in the training run)",
      not re.search(r"^ENV\s+.*(INTEGRATION_|SPRING_|SECRET|TOKEN)", dockerfile, re.M))
ignore = read(".dockerignore").split()
check(".dockerignore keeps .git and build outputs out of the context", ".git" in ignore and "**/target" in ignore,
      ignore)

run = read("scripts/image/run-functions.sh")
for flag in ("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError", "-XX:AOTCache=", "-XX:AOTCacheOutput=",
             "-Djava.io.tmpdir=/tmp", 'exec "$java_cmd"'):
    check(f"run-functions.sh holds {flag}", flag in run)
prepare = read("scripts/image/prepare-functions.sh")
check("prepare-functions.sh extracts with the Boot jar's tools mode",
      "-Djarmode=tools" in prepare and "extract --destination" in prepare)
check("prepare-functions.sh trains through run-functions.sh (same flags) with the testkit's aot-training",
      "aot-training" in prepare and "run-functions.sh" in prepare)
training = read("testkit/src/main/java/com/acme/integration/testkit/training/AotTraining.java")
check("AotTraining launches the app in train mode and stops it with SIGTERM (the cache is written at exit)",
      '"FUNCTIONS_AOT_MODE", "train"' in training and "app.destroy()" in training)
check("run-functions.sh does not stop the training run at the context refresh",
      "-Dspring.context.exit=onRefresh" not in run)
check("Dockerfile: builds the testkit in the JDK stage and trains with its jar, bind-mounted, in the runtime stage",
      "testkit" in dockerfile.split("FROM ")[1] and "AOT_TRAINING_JAR=" in runtime
      and "type=bind" in runtime and "testkit.jar" in runtime)
build_stage = dockerfile.split("FROM ")[1]
check("Dockerfile: Spring AOT per Service in the JDK stage, AOT caches in the runtime stage",
      "prepare-functions.sh --build" in build_stage and "prepare-functions.sh --train" in runtime
      and "COPY --from=build" in runtime)
check("run-functions.sh starts a Service's build with Spring AOT and falls back to the plain jar",
      "-Dspring.aot.enabled=true" in run and "spring-aot.jar" in run and '-jar "$jar"' in run)
check("prepare-functions.sh runs Spring AOT with the placeholders of the Service's functions",
      "SpringApplicationAotProcessor" in prepare and "--env" in prepare and '"--env"' in training)
