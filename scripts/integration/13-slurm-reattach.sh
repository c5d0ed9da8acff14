# SLURM reattach and Ctrl-C of arrays (issue 17 items 4 and 5): studyflow killed with kill -9 while
# a fan-out's job array runs; the rerun submits nothing twice (sbatch counted through a wrapper on
# PATH), writes the bytes a local run writes, leaves a store fsck accepts and no journal; a stage
# whose parameter changed meanwhile has its old job cancelled; Ctrl-C during an array run cancels
# the whole array in one scancel, names every instance, and a rerun finishes; kill -9 during a
# `group:` job, and the rerun takes its stages over without submitting it again.
# Sourced by scripts/test-integration.sh ($bin, $root, $work, check()); runs under set -euo pipefail.
# Uses the running cluster ($SLURM_CONF) or starts one as 10-slurm.sh does, stopping only that one.

reattach_state="$work/slurm-reattach-state"
source "$root/scripts/slurm-cluster.sh"
use_or_start_cluster "$reattach_state" trap
reattach_started=$cluster_started
w="$work/slurm-reattach"; mkdir -p "$w/bin"
# Counting wrappers: each call appends its arguments to $w/TOOL.calls.
for tool in sbatch scancel; do
    printf '#!/bin/sh\necho "$*" >> %s/%s.calls\nexec %s "$@"\n' "$w" "$tool" "$(command -v "$tool")" > "$w/bin/$tool"
    chmod +x "$w/bin/$tool"
done
reattach_run() { env PATH="$w/bin:$PATH" "$bin" run --executor slurm --poll-interval 0.2 "$@"; }
# The runs to kill go in the background as studyflow itself (env execs it), not a function's
# subshell, so that kill -9 and SIGINT reach studyflow.
reattach_bg=(env PATH="$w/bin:$PATH" "$bin" run --executor slurm --poll-interval 0.2)
reattach_calls() { cat "$w/$1.calls" 2>/dev/null | wc -l; }
# reattach_journaled DIR N: the journal of DIR holds at least N submitted jobs.
reattach_journaled() { [ "$(cat "$1"/.studyflow/slurm-journal/*.jsonl 2>/dev/null | grep -c '"op":"submit"')" -ge "$2" ]; }
# reattach_queued NAME: ids of this user's queued or running jobs named studyflow-NAME.
reattach_queued() { squeue --noheader --me --format='%i %j' | awk -v n="studyflow-$1" '$2 == n { print $1 }'; }
reattach_none() { [ -z "$(reattach_queued "$1")" ]; }
reattach_wait() { local limit=$(( $1 * 10 )); shift; for _ in $(seq "$limit"); do "$@" && return 0; sleep 0.1; done; return 1; }
reattach_no_journal() { [ -z "$(ls -A "$1/.studyflow/slurm-journal" 2>/dev/null)" ]; }

# 1. kill -9 while a 6-instance array runs; the rerun takes the jobs over and submits nothing again.
s="$w/kill"; l="$w/kill-local"; mkdir -p "$s" "$l"
cat > "$s/fan.yaml" <<'YAML'
name: reattach
params: {t: 4}
stages:
  fan:
    foreach: [a, b, c, d, e, f]
    run: sleep ${params.t}; echo ${each.key} > ${outputs.out}
    outputs:
      out: results/${each.key}.txt
  all:
    run: cat ${inputs.parts} > ${outputs.out}
    inputs: {parts: {each: fan, output: out}}
    outputs: {out: results/all.txt}
    local: true
YAML
cp "$s/fan.yaml" "$l/fan.yaml"
"${reattach_bg[@]}" -C "$s" fan.yaml -j 2 > "$w/kill.out" 2> "$w/kill.err" &
pid=$!
check reattach_wait 60 reattach_journaled "$s" 6
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
before=$(reattach_calls sbatch)
check [ "$before" -eq 1 ]
status=0; reattach_run -C "$s" fan.yaml -j 2 --json > "$w/kill-rerun.json" 2> "$w/kill-rerun.err" || status=$?
check [ "$status" -eq 0 ]
check [ "$(reattach_calls sbatch)" -eq "$before" ]
check grep -q '"event":"reattach".*"reattached":6' "$w/kill-rerun.json"
check grep -q '"ok":true' "$w/kill-rerun.json"
check "$bin" run -C "$l" fan.yaml > /dev/null
check diff -r --exclude=.studyflow "$s" "$l"
check "$bin" fsck -C "$s"
check reattach_no_journal "$s"
status=0; "$bin" run -C "$s" fan.yaml --json -v > "$w/kill-again.json" 2> /dev/null || status=$?
check grep -q '"ran":\[\]' "$w/kill-again.json"

# 2. A parameter changed while the jobs ran: the stale job is cancelled (and run anew); the other is
# taken over; status tells of the jobs left behind.
s="$w/changed"; mkdir -p "$s"
cat > "$s/two.yaml" <<'YAML'
name: changed
params: {v: 1}
stages:
  keep:
    run: sleep 5; echo kept > ${outputs}
    outputs: [results/keep.txt]
  change:
    run: "[ ${params.v} = 1 ] && sleep 120; echo ${params.v} > ${outputs}"
    outputs: [results/change.txt]
YAML
"${reattach_bg[@]}" -C "$s" two.yaml -j 2 > "$w/changed.out" 2> "$w/changed.err" &
pid=$!
check reattach_wait 60 reattach_journaled "$s" 2
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
old=$(reattach_queued change)
check [ -n "$old" ]
check sh -c "'$bin' status -C '$s' two.yaml | grep -q 'SLURM job.*from an earlier run'"
before=$(reattach_calls sbatch)
: > "$w/scancel.calls"
status=0; reattach_run -C "$s" two.yaml --param v=2 --json > "$w/changed-rerun.json" 2> "$w/changed-rerun.err" || status=$?
check [ "$status" -eq 0 ]
check grep -q "\"cancelled\":\[{\"job\":\"$old\",\"reason\":\"changed (its inputs, parameters or command differ)\",\"stage\":\"change\"}\]" "$w/changed-rerun.json"
check grep -qx "$old" "$w/scancel.calls"
check [ "$(reattach_calls sbatch)" -eq $((before + 1)) ]
check grep -qx 2 "$s/results/change.txt"
check grep -qx kept "$s/results/keep.txt"
check reattach_none change
check "$bin" fsck -C "$s"
check reattach_no_journal "$s"

# 3. Ctrl-C during an array run: one scancel of the array, every instance named, exit 130; a rerun finishes.
s="$w/interrupt"; mkdir -p "$s"
sed 's/params: {t: 4}/params: {t: 120}/' "$w/kill/fan.yaml" > "$s/fan.yaml"
: > "$w/scancel.calls"
"${reattach_bg[@]}" -C "$s" fan.yaml -j 2 > "$w/int.out" 2> "$w/int.err" &
pid=$!
check reattach_wait 60 reattach_journaled "$s" 6
array=$(reattach_queued fan | head -n 1 | cut -d_ -f1)
kill -INT "$pid"
status=0; wait "$pid" || status=$?
check [ "$status" -eq 130 ]
check [ "$(reattach_calls scancel)" -eq 1 ]
check grep -qx "$array" "$w/scancel.calls"
check reattach_wait 10 reattach_none fan
for k in a b c d e f; do check grep -q "fan@$k" "$w/int.err"; done
check "$bin" fsck -C "$s"
check reattach_no_journal "$s"
status=0; reattach_run -C "$s" fan.yaml -j 2 --param t=0 --json > "$w/int-rerun.json" 2> /dev/null || status=$?
check [ "$status" -eq 0 ]
check [ "$(wc -l < "$s/results/all.txt")" -eq 6 ]

# 4. kill -9 while a group job runs: each of its stages is journaled on its own (they share the
# job's id); the rerun takes them over (finished ones collected, the running one waited for) and
# submits nothing again.
s="$w/group"; l="$w/group-local"; mkdir -p "$s" "$l"
cat > "$s/g.yaml" <<'YAML'
name: grouped
stages:
  part:
    foreach: [a, b, c]
    run: sleep 3; echo ${each.key} > ${outputs.out}
    outputs:
      out: results/${each.key}.txt
    group: slow
YAML
cp "$s/g.yaml" "$l/g.yaml"
: > "$w/sbatch.calls"
"${reattach_bg[@]}" -C "$s" g.yaml -j 2 > "$w/group.out" 2> "$w/group.err" &
pid=$!
check reattach_wait 60 reattach_journaled "$s" 3
sleep 4  # the first stage has finished, the second runs
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
check [ "$(reattach_calls sbatch)" -eq 1 ]
status=0; reattach_run -C "$s" g.yaml -j 2 --json > "$w/group-rerun.json" 2> "$w/group-rerun.err" || status=$?
check [ "$status" -eq 0 ]
check [ "$(reattach_calls sbatch)" -eq 1 ]
check grep -q '"event":"reattach".*"reattached":3' "$w/group-rerun.json"
check grep -q '"ok":true' "$w/group-rerun.json"
check "$bin" run -C "$l" g.yaml > /dev/null
check diff -r --exclude=.studyflow "$s" "$l"
check "$bin" fsck -C "$s"
check reattach_no_journal "$s"

stop_started_cluster "$reattach_started" trap
unset reattach_state reattach_started reattach_bg w s l pid status before old array
