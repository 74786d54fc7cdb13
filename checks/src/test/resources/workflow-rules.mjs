// Evaluates .gitlab-ci.yml's workflow:rules with gitlab-ci-local's own rule engine
// (gitlab-ci-local 4.60 lists jobs without applying workflow:rules itself).
// Usage: node workflow-rules.mjs GITLAB_CI_LOCAL_DIR CI_FILE CASES_JSON
//   CASES_JSON: {"<case>": {"VARIABLE": "value", ...}, ...}
// Prints {"<case>": "run" | "skip", ...}.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [gclDir, ciFile, casesFile] = process.argv.slice(2);
const modules = path.join(gclDir, "node_modules");
const { Utils } = await import(pathToFileURL(path.join(modules, "gitlab-ci-local", "src", "utils.js")).href);
const yaml = (await import(pathToFileURL(path.join(modules, "js-yaml", "index.js")).href)).default;

const rules = yaml.load(fs.readFileSync(ciFile, "utf8")).workflow?.rules ?? [];
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const results = {};
for (const [name, variables] of Object.entries(cases)) {
  const result = Utils.getRulesResult(
    { argv: { evaluateRuleChanges: false }, cwd: path.dirname(ciFile), rules, variables },
    { branches: { default: variables.CI_DEFAULT_BRANCH ?? "main" } },
    "always",
  );
  results[name] = result.when === "never" ? "skip" : "run";
}
console.log(JSON.stringify(results, null, 2));
