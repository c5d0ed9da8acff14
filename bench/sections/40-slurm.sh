#!/usr/bin/env bash
# SLURM overhead (issue 8): 100 trivial stages, 2 at a time, on a real one-node cluster:
# `studyflow run --executor slurm -j 2` against a plain shell loop that keeps 2 jobs submitted with
# sbatch and polls squeue at the same interval. Prints both wall times and studyflow's overhead
# (target: at most 10 %). Starts the cluster with scripts/slurm.sh when none answers, and stops
# only what it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
studyflow=${STUDYFLOW:-$root/.build/release/studyflow}
stages=${SLURM_BENCH_STAGES:-100}
interval=0.25
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

now() { date +%s.%N; }

# The plain loop: job scripts written up front, 2 outstanding, squeue once per interval.
loop="$work/loop"; mkdir -p "$loop/out" "$loop/jobs"
for i in $(seq 0 $((stages - 1))); do
    printf '#!/bin/sh\necho %d > %s/out/%d.txt\n' "$i" "$loop" "$i" > "$loop/jobs/$i.sh"
done
start=$(now)
running=(); next=0
while [ "$next" -lt "$stages" ] || [ "${#running[@]}" -gt 0 ]; do
    while [ "${#running[@]}" -lt 2 ] && [ "$next" -lt "$stages" ]; do
        running+=("$(sbatch --parsable --output=/dev/null --chdir="$loop" "$loop/jobs/$next.sh")")
        next=$((next + 1))
    done
    sleep "$interval"
    queued=$(squeue --noheader --me --format=%i)
    still=()
    for id in "${running[@]}"; do grep -qx "$id" <<<"$queued" && still+=("$id"); done
    running=("${still[@]+"${still[@]}"}")
done
loop_seconds=$(echo "$(now) - $start" | bc)
[ "$(ls "$loop/out" | wc -l)" -eq "$stages" ] || { echo "slurm bench: the shell loop lost outputs" >&2; exit 1; }

# studyflow: the same commands as stages of one workflow.
sf="$work/studyflow"; mkdir -p "$sf"
{
    echo "name: slurm-bench"
    echo "stages:"
    for i in $(seq 0 $((stages - 1))); do
        printf '  s%d:\n    run: echo %d > ${outputs}\n    outputs: [out/%d.txt]\n' "$i" "$i" "$i"
    done
} > "$sf/bench.yaml"
start=$(now)
"$studyflow" run -C "$sf" bench.yaml --executor slurm -j 2 --poll-interval "$interval" > /dev/null
studyflow_seconds=$(echo "$(now) - $start" | bc)
[ "$(ls "$sf/out" | wc -l)" -eq "$stages" ] || { echo "slurm bench: studyflow lost outputs" >&2; exit 1; }

overhead=$(echo "scale=1; 100 * ($studyflow_seconds - $loop_seconds) / $loop_seconds" | bc)
verdict=$(echo "$overhead <= 10" | bc)
echo
echo "## SLURM executor: $stages trivial stages, 2 at a time, squeue every ${interval}s (one-node cluster)"
echo
echo "| runner | wall (s) |"
echo "|---|---|"
printf '| sbatch + squeue shell loop | %.2f |\n' "$loop_seconds"
printf '| studyflow --executor slurm -j 2 | %.2f |\n' "$studyflow_seconds"
echo
echo "studyflow overhead: ${overhead} % (target <= 10 %: $([ "$verdict" = 1 ] && echo met || echo MISSED))"
