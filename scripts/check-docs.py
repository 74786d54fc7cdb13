#!/usr/bin/env python3
"""Fails when a Markdown document names a repository path that does not exist, runs over its word
budget, or talks about the writing of the text instead of the system.

Paths: scans README.md, docs/**/*.md and every other tracked *.md file for inline code spans and link targets,
keeps the words that look like paths inside this repository (they start with one of its top-level
folders or files), expands placeholders (ENV, {dev,staging,prod}, <name>, *) into globs and checks
that at least one file matches. Build outputs (target/) and URLs are not checked.
Budgets: words as `wc -w` counts them, per task document (WORD_BUDGETS) and for all tracked Markdown
together (TOTAL_BUDGET).
Wording: PROCESS_WORDING lists phrases about the tracker, earlier runs or sessions; references to
upstream projects' issues (knative/serving#16216) are fine, a bare #14 is not.
Usage: scripts/check-docs.py [ROOT]   (exit 1 and one line per missing path when something is missing)
"""
import glob
import itertools
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
PLACEHOLDER = re.compile(r"<[^>]*>|\bENV\b|\bNAME\b|\bN\b")


WORD_BUDGETS = {
    "docs/01-assumptions.md": 900,
    "docs/02-service-review.md": 2000,
    "docs/03-deployment.md": 2500,
    "docs/04-platform-proposal.md": 1300,
}
TOTAL_BUDGET = 12000
PROCESS_WORDING = [
    (re.compile(r"(?<![\w/.\-])#\d+\b"), "a tracker number"),
    (re.compile(r"\b(issue|ticket|task) #?\d+\b", re.I), "a tracker number"),
    (re.compile(r"\bsessions?\b", re.I), "the writing process (session)"),
    (re.compile(r"\b(earlier|previous) (run|try|attempt|round|pass|draft|version of (this|the) (doc|document|text))s?\b", re.I),
     "an earlier run"),
    (re.compile(r"\bthis (round|draft|rewrite)\b", re.I), "the writing process"),
    (re.compile(r"\b(we|was|were|has been|have been) (fixed|rewritten|reworked)\b", re.I), "a fix history"),
    (re.compile(r"\b(before|after) the (fix|rewrite|refactoring)\b", re.I), "a fix history"),
    (re.compile(r"\bfix history\b", re.I), "a fix history"),
]


def words(text):
    return len(text.split())


def wording_problems(doc, text):
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in PROCESS_WORDING:
            match = pattern.search(line)
            if match:
                yield f"{doc}:{number}: \"{match.group(0)}\" is about {what}, not the system"


# The repository's own top-level entries, whether or not they exist yet, so a doc naming a missing folder fails.
KNOWN_TOP_LEVEL = {"functions", "knative", "nginx", "scripts", "docs", "e2e", ".ci", ".gitlab-ci.yml", "pom.xml",
                   "mvnw", "README.md", ".mvn", ".dockerignore"}


def top_level_names():
    present = {name for name in os.listdir(ROOT) if not name.startswith(".git") or name == ".gitlab-ci.yml"}
    return present | KNOWN_TOP_LEVEL


def markdown_files():
    out = subprocess.run(["git", "ls-files", "*.md", "**/*.md"], cwd=ROOT, capture_output=True, text=True)
    files = set(out.stdout.split()) if out.returncode == 0 else set()
    files |= {os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True)}
    if os.path.exists(os.path.join(ROOT, "README.md")):
        files.add("README.md")
    return sorted(f for f in files if "node_modules" not in f and "/target/" not in f)


def expand_braces(word):
    match = re.search(r"\{([^{}]*,[^{}]*)\}", word)
    if not match:
        return [word]
    head, tail = word[: match.start()], word[match.end():]
    return list(itertools.chain.from_iterable(expand_braces(head + alt + tail) for alt in match.group(1).split(",")))


def candidates(text, tops):
    for raw in itertools.chain(CODE_SPAN.findall(text), LINK.findall(text)):
        for word in re.split(r"[\s=|;,()\"']+", raw):
            word = word.strip().rstrip(".:")
            if word.startswith("./"):
                word = word[2:]
            if not word or "://" in word or word.startswith(("/", "$", "-")):
                continue
            first = word.split("/")[0]
            if first not in tops or "target/" in word or word.startswith("../"):
                continue
            yield word


def exists(word, base_dir):
    for variant in expand_braces(word):
        pattern = PLACEHOLDER.sub("*", variant)
        for base in (ROOT, base_dir):
            if glob.glob(os.path.join(base, pattern)):
                return True
    return False


def main():
    tops = top_level_names()
    missing, checked, problems, total = [], 0, [], 0
    for doc in markdown_files():
        with open(os.path.join(ROOT, doc), encoding="utf-8") as handle:
            text = handle.read()
        count = words(text)
        total += count
        if doc in WORD_BUDGETS and count > WORD_BUDGETS[doc]:
            problems.append(f"{doc}: {count} words, over its budget of {WORD_BUDGETS[doc]}")
        problems.extend(wording_problems(doc, text))
        base_dir = os.path.dirname(os.path.join(ROOT, doc))
        for word in sorted(set(candidates(text, tops))):
            checked += 1
            if not exists(word, base_dir):
                missing.append(f"{doc}: names `{word}`, which does not exist")
    for doc in WORD_BUDGETS:
        if not os.path.exists(os.path.join(ROOT, doc)):
            problems.append(f"{doc}: missing (it has a word budget)")
    if total > TOTAL_BUDGET:
        problems.append(f"all Markdown documents: {total} words, over the budget of {TOTAL_BUDGET}")
    for line in missing + problems:
        print(line)
    print(f"docs check: {checked} paths checked, {len(missing)} missing; {total} words in all"
          f" (budget {TOTAL_BUDGET}); {len(problems)} budget or wording problems")
    return 1 if missing or problems else 0


if __name__ == "__main__":
    sys.exit(main())
