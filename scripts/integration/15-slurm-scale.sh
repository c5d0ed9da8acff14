# SLURM at cluster scale (issue 17 item 6): the flagship study and a 500-instance fan-out with a
# gather run under --executor slurm with job arrays, then the same 500 instances as `group: tiny`
# jobs of 50 (issue 17 item 1). Each must write the bytes a local run writes, stay within the call
# budget (sbatch calls <= distinct stage templates that ran + retries; for the 500 instances,
# exactly the templates; squeue calls <= wall seconds / poll interval + 2;
# sacct at most once, as this cluster keeps no accounting), and a
# rerun must run nothing and submit nothing. Every sbatch/squeue/sacct call is counted by a wrapper
# on PATH (as bench/sections/41-slurm-arrays.sh does). Starts a cluster with scripts/slurm.sh when
# none answers and stops only what it started.
# Sourced by scripts/test-integration.sh ($bin, $root, $work, check()); runs under set -euo pipefail.

scale_state="$work/slurm-scale-state"
scale_begin=$(date +%s)
source "$root/scripts/slurm-cluster.sh"
use_or_start_cluster "$scale_state" trap
scale_started=$cluster_started

# Counting wrappers: every call appends one line to $scale_calls/TOOL.
scale_bin="$work/slurm-scale-bin"; scale_calls="$work/slurm-scale-calls"
mkdir -p "$scale_bin" "$scale_calls"
for tool in sbatch squeue sacct; do
    real=$(command -v "$tool" || true)
    [ -n "$real" ] || continue
    printf '#!/bin/sh\necho "$*" >> "%s/%s"\nexec %s "$@"\n' "$scale_calls" "$tool" "$real" > "$scale_bin/$tool"
    chmod +x "$scale_bin/$tool"
done
scale_poll=2
scale_count() { [ -f "$scale_calls/$1" ] && wc -l < "$scale_calls/$1" | tr -d ' ' || echo 0; }
# scale_templates JSON DIR FILE: for the stages a --json run ran, the number of distinct stage
# templates (cox@msk -> cox; a plain stage is its own template).
scale_templates() {
    "$bin" graph -C "$2" "$3" --format json --expand > "$work/slurm-scale-graph.json"
    python3 -c 'import json,sys
ran = set(json.loads(open(sys.argv[1]).read().splitlines()[-1])["ran"])
stages = [s for s in json.load(open(sys.argv[2]))["stages"] if s["stage"] in ran]
print(len({s.get("template", s["stage"]) for s in stages}))' "$1" "$work/slurm-scale-graph.json"
}
# scale_retries JSON: the retry events of a --json run.
scale_retries() { grep -c '"event":"retry"' "$1" || true; }
# scale_run NAME DIR FILE [ARGS…]: a counted SLURM run with --json; records wall seconds and the
# calls it made in $work/slurm-scale-NAME.{json,seconds,sbatch,squeue,sacct}.
scale_run() {
    local name=$1 dir=$2 file=$3; shift 3
    rm -f "$scale_calls"/*
    local start; start=$(date +%s.%N)
    local status=0
    PATH="$scale_bin:$PATH" "$bin" run --executor slurm --poll-interval "$scale_poll" -j 2 -C "$dir" "$file" --json "$@" \
        > "$work/slurm-scale-$name.json" 2> "$work/slurm-scale-$name.err" || status=$?
    echo "$(date +%s.%N) - $start" | bc > "$work/slurm-scale-$name.seconds"
    for tool in sbatch squeue sacct; do scale_count "$tool" > "$work/slurm-scale-$name.$tool"; done
    printf 'slurm-scale: %s: %.1f s, sbatch %s, squeue %s, sacct %s\n' "$name" "$(cat "$work/slurm-scale-$name.seconds")" \
        "$(cat "$work/slurm-scale-$name.sbatch")" "$(cat "$work/slurm-scale-$name.squeue")" "$(cat "$work/slurm-scale-$name.sacct")"
    [ "$status" -eq 0 ] || { tail -n 20 "$work/slurm-scale-$name.err" >&2; return 1; }
}
# scale_budget NAME DIR FILE: the strict bound, sbatch <= distinct stage templates that ran +
# retries (a template's instances are held until its last one is ready: one array each, however
# far apart their upstreams finish); squeue <= wall / poll interval + 2; sacct <= 1.
scale_budget() {
    local name=$1 templates retries seconds sbatch
    templates=$(scale_templates "$work/slurm-scale-$name.json" "$2" "$3")
    retries=$(scale_retries "$work/slurm-scale-$name.json")
    seconds=$(cat "$work/slurm-scale-$name.seconds")
    sbatch=$(cat "$work/slurm-scale-$name.sbatch")
    echo "slurm-scale: $name: $sbatch sbatch calls; $templates templates ran, $retries retries (bound: sbatch <= templates + retries)"
    [ "$sbatch" -le $((templates + retries)) ] || return 1
    [ "$(cat "$work/slurm-scale-$name.squeue")" -le "$(echo "$seconds / $scale_poll + 2" | bc)" ] \
        || { echo "slurm-scale: $name made $(cat "$work/slurm-scale-$name.squeue") squeue calls in $seconds s" >&2; return 1; }
    [ "$(cat "$work/slurm-scale-$name.sacct")" -le 1 ]
}
# scale_nothing NAME DIR FILE: a rerun (-v: no no-op snapshot, every key looked up) runs and submits nothing.
scale_nothing() {
    scale_run "$1-rerun" "$2" "$3" -v || return 1
    tail -n 1 "$work/slurm-scale-$1-rerun.json" | grep -qF '"ran":[]' && [ "$(cat "$work/slurm-scale-$1-rerun.sbatch")" -eq 0 ]
}

# 1. The flagship study, copied as 10-slurm.sh does: its fan-outs go out as arrays.
s="$work/slurm-scale-flagship-s"; l="$work/slurm-scale-flagship-l"
for copy in "$s" "$l"; do
    mkdir -p "$copy"; cp -R "$root/Workflows" "$copy/Workflows"
    [ -d "$root/data" ] && cp -R "$root/data" "$copy/data"
done
check scale_run flagship "$s" Workflows/liver-metastasis.yaml
check "$bin" run -C "$l" Workflows/liver-metastasis.yaml > /dev/null
check diff -r "$s/results" "$l/results"
check scale_budget flagship "$s" Workflows/liver-metastasis.yaml
check scale_nothing flagship "$s" Workflows/liver-metastasis.yaml

# 2. 500 instances of a trivial stage and a gather: one array for the fan-out, one job for the gather.
scale_fanout() { # DIR [EXTRA-STAGE-LINES] [EXTRA-TOP-LINES]
    mkdir -p "$1"
    {
        echo "name: scale"
        printf '%s' "${3:-}"
        echo "stages:"
        echo "  tiny:"
        printf '    foreach: [%s]\n' "$(seq -s ', ' -f 'i%g' 0 499)"
        echo '    run: echo ${each.key} > ${outputs.out}'
        echo '    outputs:'
        echo '      out: results/parts/${each.key}.txt'
        printf '%s' "${2:-}"
        echo "  gather:"
        echo '    run: cat ${inputs.parts} > ${outputs.out}'
        echo '    inputs: {parts: {each: tiny, output: out}}'
        echo '    outputs: {out: results/all.txt}'
    } > "$1/scale.yaml"
}
s="$work/slurm-scale-fanout-s"; l="$work/slurm-scale-fanout-l"
scale_fanout "$s"; scale_fanout "$l"
check scale_run fanout "$s" scale.yaml
check "$bin" run -C "$l" scale.yaml > /dev/null
check diff -r "$s/results" "$l/results"
check [ "$(wc -l < "$s/results/all.txt")" -eq 500 ]
check scale_budget fanout "$s" scale.yaml
check [ "$(cat "$work/slurm-scale-fanout.sbatch")" -le 2 ]  # 2 templates: one array, one job
check scale_nothing fanout "$s" scale.yaml

# 3. The same 500 instances as `group: tiny` with group_components 50: ten group jobs in one array
# (each runs 50 instances one after another), the same bytes, and the cache shared with a local run.
g="$work/slurm-scale-group"
scale_fanout "$g" "    group: tiny
" "slurm: {group_components: {tiny: 50}}
"
check scale_run group "$g" scale.yaml
check diff -r "$g/results" "$l/results"
check scale_budget group "$g" scale.yaml
check grep -q -- "--job-name=studyflow-group-tiny .*--array=0-9%2 " "$scale_calls/sbatch"
check [ "$(cut -d' ' -f1 "$g"/.studyflow/logs/1/tiny.group-1.manifest | sort -u | wc -l)" -eq 10 ]
check scale_nothing group "$g" scale.yaml
# A group changes no stage key: the local workspace's records answer for every grouped stage.
cp "$g/scale.yaml" "$l/scale.yaml"
"$bin" run -C "$l" scale.yaml --json -v > "$work/slurm-scale-group-local.json" 2> /dev/null || true
check grep -qF '"ran":[]' "$work/slurm-scale-group-local.json"

# 4. A failure mid-group: the stages after it in its job are not run, and the next run does them.
f="$work/slurm-scale-group-fail"; mkdir -p "$f"
cat > "$f/g.yaml" <<YAML
name: group-fail
stages:
  first:
    run: echo first > \${outputs}
    outputs: [results/first.txt]
    group: chain
  second:
    run: "[ ! -e '$f/fail' ] || exit 5; echo second > \${outputs}"
    outputs: [results/second.txt]
    group: chain
  third:
    run: echo third > \${outputs}
    outputs: [results/third.txt]
    group: chain
YAML
touch "$f/fail"
# (-j 1: the stages are handed over, and run in their job, in plan order: first, second, third.)
status=0; "$bin" run --executor slurm --poll-interval "$scale_poll" -j 1 -C "$f" g.yaml -k --json > "$f/run.json" 2> "$f/run.err" || status=$?
check [ "$status" -eq 1 ]
check grep -q "stage 'second' failed: job [0-9_]* exited with status 5" "$f/run.json"
check [ "$(cut -d' ' -f2 "$f/.studyflow/logs/1/chain.group-1.manifest" | tr '\n' ' ')" = "first second third " ]
check grep -q "stage 'third' failed: not run: stage 'second' before it in job [0-9_]* of group 'chain' did not succeed" "$f/run.json"
check grep -qx first "$f/results/first.txt"
check [ ! -e "$f/results/third.txt" ]
rm "$f/fail"
check "$bin" run --executor slurm --poll-interval "$scale_poll" -C "$f" g.yaml > /dev/null
check grep -qx third "$f/results/third.txt"

scale_seconds=$(( $(date +%s) - scale_begin ))
echo "slurm-scale: section wall time ${scale_seconds} s"
stop_started_cluster "$scale_started" trap
unset scale_state scale_started scale_begin scale_bin scale_calls scale_poll scale_seconds s l g f status copy
