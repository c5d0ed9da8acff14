# SLURM resources per attempt (issue 17 items 3 and 5's "a job over its memory limit"): a stage
# whose job is killed for memory is retried with `memory: "50M * attempt"`'s next value (a single
# job and a job array), the reason OUT_OF_MEMORY is shown, a run out of attempts fails with it and
# a rerun finishes the work; a job over its time limit fails with TIMEOUT (one attempt: SLURM's
# smallest limit is a minute and it kills ~75 s in, so the TIMEOUT *retry* is covered by the unit
# tests with fake tools). The cluster must enforce --mem: scripts/slurm.sh configures
# jobacct_gather/linux with OverMemoryKill (TaskPlugin=task/none enforces nothing).
# Sourced by scripts/test-integration.sh ($bin, $root, $work, check()); uses a cluster that
# answers ($SLURM_CONF's, the system's, 'make slurm-up''s) or starts its own and stops it at the end
# (10-slurm.sh stops the one it started).

attempts_state="$work/slurm-attempts-state"
source "$root/scripts/slurm-cluster.sh"
use_or_start_cluster "$attempts_state" trap
attempts_started=$cluster_started
command -v slurm_run > /dev/null 2>&1 || slurm_run() { "$bin" run --executor slurm --poll-interval 0.2 "$@"; }
python=$(command -v python3)
# attempts_enforced: the cluster kills a job over its --mem.
# (Not a pipe into grep -q: under pipefail, scontrol's SIGPIPE would fail the test.)
attempts_enforced() { grep -Eq 'JobAcctGatherParams *= *[^ ]*OverMemoryKill|TaskPlugin *= *[^ ]*task/cgroup' <<< "$(scontrol show config)"; }
if ! attempts_enforced; then
    echo "FAILED: the SLURM cluster does not enforce --mem (no OverMemoryKill, no task/cgroup); restart it: scripts/slurm.sh down && scripts/slurm.sh up" >&2
    failed=$((failed + 1))
else
    # A command holding 100 MiB for 3 s: over 50M and 100M (the interpreter adds its own), under 150M.
    hog="$python -c 'import time; b = b\"x\" * (100 * 1024 * 1024); time.sleep(3)'"

    # 1. A single job: killed on attempts 1 and 2, done on 3; each retry says why and what comes next.
    w="$work/attempts-single"; mkdir -p "$w"
    cat > "$w/m.yaml" <<YAML
name: attempts
stages:
  hog:
    run: $hog && echo ok > \${outputs.o}
    outputs: {o: results/hog.txt}
    resources: {memory: "50M * attempt"}
    retries: 2
YAML
    status=0; slurm_run -C "$w" m.yaml --json > "$w/run.json" 2> "$w/run.err" || status=$?
    check [ "$status" -eq 0 ]
    check grep -qx ok "$w/results/hog.txt"
    check [ "$(grep -c '"event":"retry"' "$w/run.json")" -eq 2 ]
    check grep -qF "\"message\":\"stage 'hog' attempt 1 of 3: OUT_OF_MEMORY (memory 50M); retrying with memory 100M\"" "$w/run.json"
    check grep -qF "\"message\":\"stage 'hog' attempt 2 of 3: OUT_OF_MEMORY (memory 100M); retrying with memory 150M\"" "$w/run.json"
    check grep -q "StepId=[0-9]*.batch exceeded memory limit" "$w/.studyflow/logs/1/hog.log"

    # 2. Out of attempts: the stage fails with the reason and its limit; the store stays
    # consistent and a rerun with more attempts finishes the work.
    w="$work/attempts-exhausted"; mkdir -p "$w"
    sed 's/retries: 2/retries: 0/' "$work/attempts-single/m.yaml" > "$w/m.yaml"
    status=0; slurm_run -C "$w" m.yaml > "$w/run.out" 2> "$w/run.err" || status=$?
    check [ "$status" -eq 1 ]
    check grep -q "studyflow: error: stage 'hog' failed: job [0-9]* of stage 'hog' ran out of memory (OUT_OF_MEMORY, memory 50M); raise 'resources.memory'" "$w/run.err"
    check [ ! -e "$w/results/hog.txt" ]
    status=0; slurm_run -C "$w" m.yaml --retries 2 > "$w/rerun.out" 2> "$w/rerun.err" || status=$?
    check [ "$status" -eq 0 ]
    check grep -qF "studyflow: stage 'hog' attempt 2 of 3: OUT_OF_MEMORY (memory 100M); retrying with memory 150M" "$w/rerun.err"
    check grep -qx ok "$w/results/hog.txt"

    # 3. A job array: both instances killed together, retried (as an array) with the next memory.
    w="$work/attempts-array"; mkdir -p "$w"
    cat > "$w/a.yaml" <<YAML
name: attempts-array
stages:
  hog:
    foreach: [x, y]
    run: $hog && echo \${each.key} > \${outputs.o}
    outputs: {o: "results/\${each.key}.txt"}
    resources: {memory: "50M * attempt"}
    retries: 2
YAML
    status=0; slurm_run -C "$w" a.yaml -j 2 --json > "$w/run.json" 2> "$w/run.err" || status=$?
    check [ "$status" -eq 0 ]
    check grep -qx x "$w/results/x.txt"
    check grep -qx y "$w/results/y.txt"
    check [ "$(grep -c '"reason":"OUT_OF_MEMORY"' "$w/run.json")" -eq 4 ]
    check grep -qF "\"message\":\"stage 'hog@y' attempt 2 of 3: OUT_OF_MEMORY (memory 100M); retrying with memory 150M\"" "$w/run.json"
    check grep -q "^studyflow: task 0 is job [0-9]* (hog@" "$w/.studyflow/logs/1/hog.array-1.out"

    # 4. A job over its time limit (1 minute, SLURM's smallest) fails with TIMEOUT, not as lost.
    w="$work/attempts-timeout"; mkdir -p "$w"
    cat > "$w/t.yaml" <<'YAML'
name: attempts-timeout
stages:
  slow:
    run: sleep 150 && echo late > ${outputs.o}
    outputs: {o: results/slow.txt}
    resources: {time: "1m * attempt"}
YAML
    status=0; slurm_run -C "$w" t.yaml > "$w/run.out" 2> "$w/run.err" || status=$?
    check [ "$status" -eq 1 ]
    check grep -q "studyflow: error: stage 'slow' failed: job [0-9]* of stage 'slow' hit its time limit (TIMEOUT, time 1m); raise 'resources.time'" "$w/run.err"
fi

stop_started_cluster "$attempts_started" trap
unset attempts_state attempts_started
