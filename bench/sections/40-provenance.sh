#!/usr/bin/env bash
# Provenance cost: no-op (and touch-only) reruns of a generated 10,000-stage wide workflow with
# the run ledger on (the default: one git commit per run) and off (STUDYFLOW_NO_PROVENANCE=1, a
# benchmark-only switch), alternating run by run. Target (issue 4,
# item 8): the ledger adds at most 20 % to the no-op time.
#
# Environment: STUDYFLOW (release binary, required), PROV_N (stages, default 10000),
# BENCH_QUICK=1 (few runs).
set -euo pipefail
SF=${STUDYFLOW:?set STUDYFLOW to the studyflow binary}
N=${PROV_N:-10000}
RUNS=30
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=5
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Outside any repository, so the ledger is the workspace's own bare repository and the
# benchmark never writes refs into the project's repository.
WORK=$(mktemp -d /tmp/studyflow-prov-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$BENCH_DIR/gen.py" wide "$N" "$WORK/ws" >/dev/null
D=$WORK/ws

echo
echo "== provenance: cost of the run ledger ($N-stage wide workflow, -j 2) =="
start=$SECONDS
"$SF" run -j 2 -C "$D" >/dev/null 2>&1 || { echo "provenance bench: cold run failed" >&2; exit 1; }
echo "  cold run with ledger: $((SECONDS - start)) s"
# Two no-op runs, a second apart, so that the no-op snapshot exists and the ledger's previous
# run is a no-op too (the state every later no-op run is in).
sleep 1.2
"$SF" run -j 2 -C "$D" >/dev/null 2>&1
"$SF" run -j 2 -C "$D" >/dev/null 2>&1

# measure NAME PREPARE: the two variants alternate run by run (so a load change on this shared
# machine hits both alike); medians of wall time, means of CPU time (user + sys of the child).
measure() {
  python3 - "$1" "$2" "$SF" "$D" "$RUNS" <<'PY'
import os, resource, statistics, subprocess, sys, time
name, prep, sf, d, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
wall = {"on": [], "off": []}
cpu = {"on": [], "off": []}
for i in range(runs + 2):
    for variant in (("on", "off") if i % 2 == 0 else ("off", "on")):
        if prep:
            subprocess.run(prep, shell=True, check=True)
        env = dict(os.environ, STUDYFLOW_NO_PROVENANCE="0" if variant == "on" else "1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sf, "run", "-j", "2", "-C", d], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i >= 2:  # two warm-up rounds
            wall[variant].append(elapsed * 1000)
            cpu[variant].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
on, off = statistics.median(wall["on"]), statistics.median(wall["off"])
con, coff = statistics.mean(cpu["on"]), statistics.mean(cpu["off"])
verdict = ("ok" if on / off <= 1.20 else "MISS") if name == "no-op" else "(no target)"
print("  %-12s %8.1f %8.1f %7.2f×   %8.1f %8.1f %7.2f×   %s" % (name, on, off, on / off, con, coff, con / coff, verdict))
PY
}
printf '  %-12s %17s %8s   %17s %8s   %s\n' "" "wall median (ms)" "" "CPU mean (ms)" "" ""
printf '  %-12s %8s %8s %8s   %8s %8s %8s   %s\n' "case" "on" "off" "ratio" "on" "off" "ratio" "target: wall ≤ 1.20×"
measure no-op ""
# Touch one source: no bytes change, so every stage is cached, but the snapshot no longer holds:
# the full check runs and the ledger records all 10,000 stage records (shared by object id).
measure touch-only "touch '$D/src/in0.txt'"
echo "  ledger: $(git --git-dir "$D/.studyflow/provenance.git" rev-list --count refs/studyflow/runs) commits," \
  "$(du -sh "$D/.studyflow/provenance.git" | cut -f1) on disk"
