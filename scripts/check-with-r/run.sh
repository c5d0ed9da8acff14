#!/usr/bin/env bash
# Recomputes the flagship study's survival numbers with R's survival package (installed from
# Debian by bench/install-r.sh when missing) from the tables the study prepared, and compares them
# with StudyFlow's results. Run after `make run`; R is not needed for anything else.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
results=${1:-results/liver-metastasis}
[ -d "$results" ] || { echo "check-with-r: no $results; run 'make run' first" >&2; exit 2; }
bash "$root/bench/install-r.sh"
Rscript "$root/scripts/check-with-r/flagship.R" "$results" | python3 "$root/scripts/check-with-r/compare.py" "$results"
