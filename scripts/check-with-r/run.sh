#!/usr/bin/env bash
# `make check-r`: first re-runs the committed R scripts of the statistics tests and checks that
# their output equals the committed reference JSON (references.sh), then recomputes the flagship
# study's survival numbers with R's survival package from the tables the study prepared and
# compares them with StudyFlow's results. R (installed from Debian by bench/install-r.sh when
# missing) is needed for nothing else; the flagship part needs `make run` first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
results=${1:-results/liver-metastasis}
status=0
bash "$root/scripts/check-with-r/references.sh" || status=1
[ -d "$results" ] || { echo "check-with-r: no $results; run 'make run' first" >&2; exit 2; }
Rscript "$root/scripts/check-with-r/flagship.R" "$results" | python3 "$root/scripts/check-with-r/compare.py" "$results" || status=1
exit "$status"
