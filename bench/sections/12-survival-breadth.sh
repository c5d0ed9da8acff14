#!/usr/bin/env bash
# Survival-breadth section of `make bench` (issue 20, items 7 and 8): in one run, StudyFlow's
# 1,000,000-row ingest/csv, a whole `studyflow run` reading the raw CSV and fitting Cox, a
# 1,000,000-row Cox fit with `cluster: id`, and a 100,000-row competing-risks estimate
# (survival/cumulative-incidence), each beside R's time on the same file. A kind or setting the
# binary lacks is printed "not available". Installs R, survival and cmprsk from Debian when missing.
# Environment: STUDYFLOW (release binary, required), BENCH_SURVIVAL_REPEATS (default 3),
# BENCH_BREADTH_ROWS (default 1000000), BENCH_BREADTH_CR_ROWS (default 100000).
# Exits 1 when a measurement fails or StudyFlow's numbers differ from R's beyond the tolerance.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${STUDYFLOW:?set STUDYFLOW to the release studyflow binary}"
WORK=$ROOT/bench/work/survival-breadth
mkdir -p "$WORK"
bash "$ROOT/bench/install-r.sh"
# The table is also kept in bench/results/survival-breadth-last-run.txt (set -o pipefail keeps
# the driver's exit status).
python3 "$ROOT/bench/survival/breadth.py" "$STUDYFLOW" "$WORK" | tee "$ROOT/bench/results/survival-breadth-last-run.txt"
