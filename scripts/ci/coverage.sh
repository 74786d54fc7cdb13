#!/usr/bin/env bash
# Prints the line coverage of every module that has a JaCoCo report (the root pom runs
# jacoco:report at verify), then the total over all of them in the line the test job's
# `coverage:` regex reads:  Total line coverage: 87.5%
# Usage: coverage.sh [DIR]   (default: the repository root)
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${1:-$CI_REPO_ROOT}"

mapfile -t reports < <(find . -path ./.ci -prune -o -path '*/target/site/jacoco/jacoco.csv' -print | sort)
if ((${#reports[@]} == 0)); then
  die "no JaCoCo report found (run ./mvnw -B verify first)"
fi

# jacoco.csv columns: GROUP,PACKAGE,CLASS,...,LINE_MISSED(8),LINE_COVERED(9),...
awk -F, '
  FNR == 1 { next }
  {
    module = FILENAME; sub(/^\.\//, "", module); sub(/\/target\/site\/jacoco\/jacoco\.csv$/, "", module)
    missed[module] += $8; covered[module] += $9; all_missed += $8; all_covered += $9
  }
  END {
    for (m in covered) {
      total = missed[m] + covered[m]
      printf "%s line coverage: %.1f%% (%d of %d lines)\n", m, total ? 100 * covered[m] / total : 0, covered[m], total
    }
    total = all_missed + all_covered
    printf "Total line coverage: %.1f%%\n", total ? 100 * all_covered / total : 0
  }' "${reports[@]}"
