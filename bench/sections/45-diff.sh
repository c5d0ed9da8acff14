#!/usr/bin/env bash
# `studyflow diff` speed (issue 19, item 7): two runs of a generated 10,000-stage wide workflow.
# Target: <= 1 s. Cases: (1) the cold run against a no-op rerun — every stage ran in one run and
# was cached in the other, so every stage record differs by blob but agrees by key (the case the
# key-first comparison is for); (2) the no-op run against a run after 1 % of the sources changed
# (100 stages with new keys, inputs and outputs). Anchor from the same run: `git diff --stat`
# of the same two commits by the git command line (which compares trees, not records).
# Environment: STUDYFLOW (release binary, required), DIFF_N (stages, default 10000),
# BENCH_DIFF_RUNS (default 7).
set -euo pipefail
SF=${STUDYFLOW:?set STUDYFLOW to the studyflow binary}
N=${DIFF_N:-10000}
RUNS=${BENCH_DIFF_RUNS:-7}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Outside any repository: the ledger is the workspace's own bare repository.
WORK=$(mktemp -d /tmp/studyflow-diff-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$BENCH_DIR/gen.py" wide "$N" "$WORK/ws" >/dev/null
D=$WORK/ws
GIT="git --git-dir $D/.studyflow/provenance.git"

"$SF" run -j 2 -C "$D" >/dev/null 2>&1 || { echo "diff bench: cold run failed" >&2; exit 1; }
"$SF" run -j 2 -C "$D" >/dev/null 2>&1
while read -r src; do echo changed >> "$D/$src"; done < "$D/bench-change.list"
"$SF" run -j 2 -C "$D" >/dev/null 2>&1

# median_seconds CMD...: median wall time of RUNS runs (after one warm-up), in seconds.
median_seconds() {
  python3 - "$RUNS" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
print("%.3f" % statistics.median(times))
PY
}

cold_noop=$(median_seconds "$SF" diff 1 2 -C "$D")
noop_change=$(median_seconds "$SF" diff 2 3 -C "$D")
noop_change_json=$(median_seconds "$SF" diff 2 3 -C "$D" --json)
git_stat=$(median_seconds $GIT diff --stat refs/studyflow/runs~1 refs/studyflow/runs)
changed=$("$SF" diff 2 3 -C "$D" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["stages"]))')
verdict() { awk -v t="$1" 'BEGIN { print (t <= 1.0 ? "ok" : "MISS") }'; }

echo
echo "== diff: two runs of a $N-stage wide workflow (median of $RUNS) =="
printf '  %-58s %8s   %s\n' "case" "seconds" "target: <= 1 s"
printf '  %-58s %8s   %s\n' "cold run vs no-op rerun (ran vs cached, same keys)" "$cold_noop" "$(verdict "$cold_noop")"
printf '  %-58s %8s   %s\n' "no-op vs 1 % of sources changed ($changed stages differ)" "$noop_change" "$(verdict "$noop_change")"
printf '  %-58s %8s   %s\n' "the same, --json" "$noop_change_json" "$(verdict "$noop_change_json")"
printf '  %-58s %8s   %s\n' "anchor: git diff --stat of the same two commits" "$git_stat" "(no target)"
echo "  load average $(cut -d' ' -f1 /proc/loadavg)"
