#!/usr/bin/env bash
# SLURM at cluster scale (issue 17, items 1-2): 1,000 instances of one trivial fan-out stage on a
# real one-node cluster, `studyflow run --executor slurm -j 2` (job arrays, status files, squeue at
# most once per --poll-interval, default 30 s) beside a plain `sbatch --array=0-999%2` and a shell
# loop polling squeue once a second. Counts every sbatch, squeue and sacct call through wrappers on
# PATH and prints the wall times. Starts the cluster with scripts/slurm.sh when none answers, and
# stops only what it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
studyflow=${STUDYFLOW:-$root/.build/release/studyflow}
n=${SLURM_ARRAY_BENCH_INSTANCES:-1000}
jobs=2
work=$(mktemp -d)
started=""
cleanup() {
    [ -n "$started" ] && STUDYFLOW_SLURM_STATE="$work/slurm-state" bash "$root/scripts/slurm.sh" down >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

source "$root/scripts/slurm-cluster.sh"
use_or_start_cluster "$work/slurm-state"
started=$cluster_started

# Counting wrappers: each call appends one line to $work/calls/TOOL.<runner>.
mkdir -p "$work/bin" "$work/calls"
for tool in sbatch squeue sacct; do
    real=$(command -v "$tool" || true)
    [ -n "$real" ] || continue
    printf '#!/bin/sh\necho "$*" >> "%s/calls/%s.$BENCH_RUNNER"\nexec %s "$@"\n' "$work" "$tool" "$real" > "$work/bin/$tool"
    chmod +x "$work/bin/$tool"
done
export PATH="$work/bin:$PATH"
calls() { [ -f "$work/calls/$1.$2" ] && wc -l < "$work/calls/$1.$2" | tr -d ' ' || echo 0; }
now() { date +%s.%N; }

# The plain way: one array, then squeue once a second until it has left the queue.
loop="$work/loop"; mkdir -p "$loop/out"
printf '#!/bin/sh\necho "i$SLURM_ARRAY_TASK_ID" > %s/out/i$SLURM_ARRAY_TASK_ID.txt\n' "$loop" > "$loop/task.sh"
export BENCH_RUNNER=loop
start=$(now)
id=$(sbatch --parsable --output=/dev/null --chdir="$loop" --array=0-$((n - 1))%$jobs "$loop/task.sh")
while [ -n "$(squeue --noheader --me --format=%i --states=PENDING,RUNNING,CONFIGURING,COMPLETING --jobs="$id")" ]; do sleep 1; done
loop_seconds=$(echo "$(now) - $start" | bc)
[ "$(ls "$loop/out" | wc -l)" -eq "$n" ] || { echo "slurm arrays bench: the plain array lost outputs" >&2; exit 1; }

# studyflow: the same command as a fan-out of n instances.
sf="$work/studyflow"; mkdir -p "$sf"
{
    echo "name: slurm-arrays-bench"
    echo "stages:"
    echo "  trivial:"
    printf '    foreach: [%s]\n' "$(seq -s ', ' -f 'i%g' 0 $((n - 1)))"
    echo '    run: echo ${each.key} > ${outputs.out}'
    echo '    outputs:'
    echo '      out: out/${each.key}.txt'
} > "$sf/bench.yaml"
export BENCH_RUNNER=studyflow
start=$(now)
"$studyflow" run -C "$sf" bench.yaml --executor slurm -j "$jobs" > /dev/null
studyflow_seconds=$(echo "$(now) - $start" | bc)
[ "$(ls "$sf/out" | wc -l)" -eq "$n" ] || { echo "slurm arrays bench: studyflow lost outputs" >&2; exit 1; }
diff -r "$loop/out" "$sf/out" > /dev/null || { echo "slurm arrays bench: outputs differ from the plain array" >&2; exit 1; }

echo
echo "## SLURM job arrays: $n instances of one trivial stage, $jobs running at once (one-node cluster)"
echo
echo "| runner | sbatch | squeue | sacct | wall (s) |"
echo "|---|---|---|---|---|"
printf '| plain sbatch --array + squeue every 1 s | %s | %s | %s | %.1f |\n' \
    "$(calls sbatch loop)" "$(calls squeue loop)" "$(calls sacct loop)" "$loop_seconds"
printf '| studyflow --executor slurm -j %s (poll interval 30 s) | %s | %s | %s | %.1f |\n' \
    "$jobs" "$(calls sbatch studyflow)" "$(calls squeue studyflow)" "$(calls sacct studyflow)" "$studyflow_seconds"
echo
echo "(issue 17 measured the executor before arrays at 101 sbatch and 93 squeue calls for 101 stages.)"
