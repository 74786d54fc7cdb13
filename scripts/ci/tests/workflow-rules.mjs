// Evaluates .gitlab-ci.yml's workflow:rules for one set of variables with gitlab-ci-local's own
// rule engine (gitlab-ci-local 4.60 lists jobs without applying workflow:rules itself).
// Usage: node workflow-rules.mjs GITLAB_CI_LOCAL_DIR CI_FILE NAME=VALUE...
// Prints "run" or "skip".
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [gclDir, ciFile, ...assignments] = process.argv.slice(2);
const pkg = path.join(gclDir, "node_modules", "gitlab-ci-local");
const { Utils } = await import(pathToFileURL(path.join(pkg, "src", "utils.js")).href);
const yaml = (await import(pathToFileURL(path.join(gclDir, "node_modules", "js-yaml", "index.js")).href)).default;

const variables = {};
for (const assignment of assignments) {
  const at = assignment.indexOf("=");
  variables[assignment.slice(0, at)] = assignment.slice(at + 1);
}
const rules = yaml.load(fs.readFileSync(ciFile, "utf8")).workflow?.rules ?? [];
const result = Utils.getRulesResult(
  { argv: { evaluateRuleChanges: false }, cwd: path.dirname(ciFile), rules, variables },
  { branches: { default: variables.CI_DEFAULT_BRANCH ?? "main" } },
  "always",
);
console.log(result.when === "never" ? "skip" : "run");
