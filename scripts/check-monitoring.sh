#!/usr/bin/env bash
# Checks knative/monitoring/ offline with Debian's prometheus package (promtool):
#   1. promtool check rules on the PrometheusRule's groups (extracted into target/monitoring/);
#   2. promtool test rules with knative/monitoring/tests/*.test.yaml: every alert fires on its bad
#      series and stays silent on the good ones, and no alert goes untested;
#   3. every alert has a runbook_url whose anchor is a heading of docs/alerts.md, and every alert
#      that names an external_series says its source;
#   4. the Grafana dashboard is valid JSON with a uid, and each panel's queries parse as PromQL
#      (promtool check rules on them as recording rules, Grafana's $variables replaced).
# Which series the app exports is checked against a real scrape by the functions' tests
# (MonitoringContractIntegrationTests), not here.
# Installs prometheus and python3-yaml with apt-get when missing. Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

missing=()
command -v promtool >/dev/null || missing+=(prometheus)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if ((${#missing[@]} > 0)); then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "check-monitoring: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

out=target/monitoring
rm -rf "$out"
mkdir -p "$out"
passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
  fi
}

rule_file=knative/monitoring/prometheusrule-order-integration.yaml
dashboard=knative/monitoring/dashboards/order-integration-functions.json

extract() {
  /usr/bin/python3 - "$rule_file" "$out/order-integration.rules.yaml" <<'PY'
import sys, yaml
rule = yaml.safe_load(open(sys.argv[1]))
assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule", "not a PrometheusRule"
yaml.safe_dump({"groups": rule["spec"]["groups"]}, open(sys.argv[2], "w"), sort_keys=False)
PY
}
check "extract the rule groups of $rule_file" extract
check "promtool check rules" promtool check rules "$out/order-integration.rules.yaml"

unit_tests() {
  cp knative/monitoring/tests/*.test.yaml "$out/"
  (cd "$out" && promtool test rules ./*.test.yaml)
}
check "promtool test rules (knative/monitoring/tests/)" unit_tests

every_alert_tested() {
  /usr/bin/python3 - "$out/order-integration.rules.yaml" knative/monitoring/tests/*.test.yaml <<'PY'
import sys, yaml
alerts = {r["alert"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"] if "alert" in r}
fires, silent = set(), set()
for path in sys.argv[2:]:
    for test in yaml.safe_load(open(path))["tests"]:
        for case in test.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else silent).add(case["alertname"])
problems = [f"{a}: no test where it fires" for a in sorted(alerts - fires)]
problems += [f"{a}: no test where it stays silent" for a in sorted(alerts - silent)]
problems += [f"{a}: tested but not a rule" for a in sorted((fires | silent) - alerts)]
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}
check "every alert has a firing and a silent test" every_alert_tested

runbook_links() {
  /usr/bin/python3 - "$out/order-integration.rules.yaml" docs/alerts.md <<'PY'
import re, sys, yaml
headings = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.+)$", open(sys.argv[2]).read(), re.M)}
problems = []
for group in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for rule in group["rules"]:
        if "alert" not in rule:
            continue
        ann = rule.get("annotations", {})
        url = ann.get("runbook_url", "")
        if not url.startswith("https://") or "/docs/alerts.md#" not in url:
            problems.append(f"{rule['alert']}: runbook_url {url!r} is not a link into docs/alerts.md")
        elif url.split("#", 1)[1] not in headings:
            problems.append(f"{rule['alert']}: docs/alerts.md has no heading for #{url.split('#', 1)[1]}")
        if ann.get("external_series") and not ann.get("source"):
            problems.append(f"{rule['alert']}: external_series without a source")
        if rule.get("labels", {}).get("severity") not in ("critical", "warning"):
            problems.append(f"{rule['alert']}: severity must be critical or warning")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}
check "runbook links, sources and severities" runbook_links

dashboard_queries() {
  /usr/bin/python3 - "$dashboard" "$out/dashboard-queries.rules.yaml" <<'PY'
import json, sys, yaml
dash = json.load(open(sys.argv[1]))
problems = []
if not dash.get("uid") or not dash.get("title"):
    problems.append("no uid or title")
rules = []
def walk(panels):
    for panel in panels:
        if panel.get("type") == "row":
            walk(panel.get("panels", []))
            continue
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"panel {panel.get('title')!r}: no query")
        for target in targets:
            expr = target.get("expr", "")
            if not expr:
                problems.append(f"panel {panel.get('title')!r}: target {target.get('refId')} has no expr")
                continue
            expr = expr.replace("$__rate_interval", "5m").replace("$__range", "1h").replace("$namespace", "prod")
            rules.append({"record": f"dashboard:panel_{panel['id']}:{target['refId']}", "expr": expr})
walk(dash.get("panels", []))
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
for p in problems:
    print("  " + p)
sys.exit(1 if problems or not rules else 0)
PY
  promtool check rules "$out/dashboard-queries.rules.yaml" >/dev/null
}
check "dashboard $dashboard: valid JSON, every panel's PromQL parses" dashboard_queries

echo "$passed passed, $failed failed"
((failed == 0))
