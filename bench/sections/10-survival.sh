#!/usr/bin/env bash
# Survival section of `make bench` (issue 3, item 10): StudyFlow's ingest/csv, Kaplan-Meier,
# log-rank and Cox stages beside R (survfit, survdiff, coxph) and lifelines on seeded synthetic
# cohorts of 10,000 / 100,000 / 1,000,000 rows. Installs R from Debian and lifelines into
# .build-venv/ when missing. Environment: STUDYFLOW (release binary, required),
# BENCH_SURVIVAL_SIZES (default "10000 100000 1000000"), BENCH_SURVIVAL_REPEATS (default 3).
# Exits 1 when a measurement fails or the Cox coefficients differ from R's by more than 1e-6.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${STUDYFLOW:?set STUDYFLOW to the release studyflow binary}"
SIZES=${BENCH_SURVIVAL_SIZES:-"10000 100000 1000000"}
WORK=$ROOT/bench/work/survival
VENV=$ROOT/.build-venv
mkdir -p "$WORK"
bash "$ROOT/bench/install-r.sh"
if ! "$VENV/bin/python" -c 'import lifelines' >/dev/null 2>&1; then
    echo "bench: installing lifelines 0.30.3 into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q lifelines==0.30.3
fi
# shellcheck disable=SC2086 # SIZES is a list
python3 "$ROOT/bench/survival/bench.py" "$STUDYFLOW" "$WORK" "$VENV/bin/python" $SIZES
