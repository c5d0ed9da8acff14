# SLURM (issue 8): a real one-node cluster started with scripts/slurm.sh unless one already answers;
# every example and the studies in Workflows/ run with --executor slurm and must write the bytes a
# local run writes; the cache is shared both ways; a failing job, a job scancelled from outside,
# Ctrl-C, an impossible request, --keep-going and retries. Stops only the daemons it started.
# Sourced by scripts/test-integration.sh ($bin, $root, $work, check()); runs under set -euo pipefail.

slurm_state="$work/slurm-state"
source "$root/scripts/slurm-cluster.sh"
use_or_start_cluster "$slurm_state" trap
slurm_started=$cluster_started
slurm_run() { "$bin" run --executor slurm --poll-interval 0.2 "$@"; }
# slurm_json_has FILE TEXT: the summary line of a --json run contains TEXT.
slurm_json_has() { tail -n 1 "$1" | grep -qF -- "$2"; }
# slurm_jobs_named NAME: ids of queued or running jobs of stage NAME.
slurm_jobs_named() { squeue --noheader --me --format='%i %j' | awk -v n="studyflow-$1" '$2 == n { print $1 }'; }
# slurm_has_job NAME…: every named stage has a job queued or running.
slurm_has_job() { local n; for n in "$@"; do [ -n "$(slurm_jobs_named "$n")" ] || return 1; done; }
# slurm_no_job NAME…: no named stage has a job left.
slurm_no_job() { local n; for n in "$@"; do [ -z "$(slurm_jobs_named "$n")" ] || return 1; done; }
# slurm_wait_for SECONDS COMMAND…: poll until COMMAND succeeds.
slurm_wait_for() {
    local limit=$(( $1 * 10 )); shift
    for _ in $(seq "$limit"); do "$@" && return 0; sleep 0.1; done
    return 1
}

# 1-3. Every example and every study: SLURM and local runs write identical bytes; the cache is shared.
slurm_compare() { # NAME SOURCE-DIR WORKFLOW-FILE
    local name=$1 source=$2 file=$3 s="$work/slurm-$1-s" l="$work/slurm-$1-l"
    cp -R "$source" "$s"; cp -R "$source" "$l"
    rm -rf "$s/results" "$l/results" "$s/.studyflow" "$l/.studyflow"
    check slurm_run -C "$s" "$file" --json > "$work/slurm-$name.json"
    check "$bin" run -C "$l" "$file" > /dev/null
    check diff -r --exclude=.studyflow "$s" "$l"
    ls "$s"/.studyflow/logs/1/*.sbatch > /dev/null 2>&1 || { echo "FAILED: $name: no job scripts" >&2; failed=$((failed + 1)); }
    # -v skips the no-op snapshot, so every stage's key is really looked up.
    "$bin" run -C "$s" "$file" --json -v > "$work/slurm-$name.local-rerun.json" 2> /dev/null || true
    check slurm_json_has "$work/slurm-$name.local-rerun.json" '"ran":[]'
    slurm_run -C "$l" "$file" --json -v > "$work/slurm-$name.slurm-rerun.json" 2> /dev/null || true
    check slurm_json_has "$work/slurm-$name.slurm-rerun.json" '"ran":[]'
}
for example in "$root"/Workflows/examples/*/; do
    # An example with a needs-setup file (a container image) runs under SLURM from its own section.
    [ -e "$example/needs-setup" ] && continue
    slurm_compare "$(basename "$example")" "$example" workflow.yaml
done
for study in "$root"/Workflows/*.yaml; do
    [ -e "$study" ] || continue
    # A study's workspace is the repository: its Workflows/ and, when the study reads it, data/.
    copy="$work/slurm-study-$(basename "$study" .yaml)"
    mkdir -p "$copy"
    cp -R "$root/Workflows" "$copy/Workflows"
    [ -d "$root/data" ] && cp -R "$root/data" "$copy/data"
    slurm_compare "study-$(basename "$study" .yaml)" "$copy" "Workflows/$(basename "$study")"
done

# 4. A failing job fails its stage with the log tail; retries and --keep-going behave as locally.
w="$work/slurm-failures"; mkdir -p "$w"
cat > "$w/failures.yaml" <<'YAML'
name: failures
stages:
  broken:
    run: echo boom-marker >&2; exit 4
    outputs: [results/broken.txt]
  after:
    run: cat results/broken.txt > ${outputs}
    inputs: [results/broken.txt]
    outputs: [results/after.txt]
  flaky:
    run: "n=$(cat attempts 2>/dev/null || echo 0); echo $((n + 1)) > attempts; [ $n -ge 1 ] && echo ok > ${outputs}"
    outputs: [results/flaky.txt]
    retries: 2
  fine:
    run: echo fine > ${outputs}
    outputs: [results/fine.txt]
YAML
status=0; slurm_run -C "$w" failures.yaml -k --json > "$w/run.json" 2> "$w/run.err" || status=$?
check [ "$status" -eq 1 ]
check grep -q "stage 'broken' failed: job [0-9]* exited with status 4.*boom-marker" "$w/run.json"
check slurm_json_has "$w/run.json" '"failed":["broken"]'
check slurm_json_has "$w/run.json" '"skipped":["after"]'
check grep -qx ok "$w/results/flaky.txt"
check grep -qx 2 "$w/attempts"
check grep -qx fine "$w/results/fine.txt"

# 5. A job cancelled from outside (scancel) is reported as such, not waited on.
w="$work/slurm-scancel"; mkdir -p "$w"
printf 'name: c\nstages:\n  sleepy:\n    run: sleep 60; echo late > ${outputs}\n    outputs: [results/late.txt]\n' > "$w/c.yaml"
"$bin" run --executor slurm --poll-interval 0.2 -C "$w" c.yaml > "$w/run.out" 2> "$w/run.err" &
pid=$!
check slurm_wait_for 20 slurm_has_job sleepy
scancel $(slurm_jobs_named sleepy) || true
status=0; wait "$pid" || status=$?
check [ "$status" -eq 1 ]
check grep -q "job [0-9]* of stage 'sleepy' was cancelled (scancel from outside studyflow" "$w/run.err"
check [ ! -e "$w/results/late.txt" ]

# 6. Ctrl-C: every submitted job is scancelled, exit 130, and a rerun completes from a consistent store.
w="$work/slurm-interrupt"; mkdir -p "$w"
cat > "$w/i.yaml" <<'YAML'
name: interrupt
params: {t: 60}
stages:
  quick:
    run: echo quick > ${outputs}
    outputs: [results/quick.txt]
  slow1:
    run: sleep ${params.t}; echo 1 > ${outputs}
    inputs: [results/quick.txt]
    outputs: [results/slow1.txt]
  slow2:
    run: sleep ${params.t}; echo 2 > ${outputs}
    inputs: [results/quick.txt]
    outputs: [results/slow2.txt]
YAML
# (studyflow itself in the background, not a function's subshell, so SIGINT reaches it.)
"$bin" run --executor slurm --poll-interval 0.2 -C "$w" i.yaml -j 3 > "$w/run.out" 2> "$w/run.err" &
pid=$!
check slurm_wait_for 30 slurm_has_job slow1 slow2
kill -INT "$pid"
status=0; wait "$pid" || status=$?
check [ "$status" -eq 130 ]
check slurm_wait_for 10 slurm_no_job slow1 slow2
status=0; slurm_run -C "$w" i.yaml --param t=0 --json > "$w/rerun.json" 2> "$w/rerun.err" || status=$?
check [ "$status" -eq 0 ]
check slurm_json_has "$w/rerun.json" '"cached":["quick"]'
check grep -qx 2 "$w/results/slow2.txt"

# 7. An impossible request is an error naming the stage, before anything is submitted.
w="$work/slurm-impossible"; mkdir -p "$w"
printf 'name: big\nstages:\n  huge:\n    run: echo > ${outputs}\n    outputs: [results/huge.txt]\n    threads: 4096\n' > "$w/big.yaml"
status=0; slurm_run -C "$w" big.yaml > /dev/null 2> "$w/run.err" || status=$?
check [ "$status" -eq 2 ]
check grep -q "stage 'huge' asks for 4096 CPUs" "$w/run.err"
check [ ! -d "$w/.studyflow/logs" ]

# 8. Job arrays (issue 17): a 50-instance fan-out goes out as at most 2 sbatch calls (one array;
# the gather stage is local: true) and writes the bytes a local run writes.
w="$work/slurm-arrays"; mkdir -p "$w/s" "$w/l" "$w/bin"
for tool in sbatch squeue; do
    printf '#!/bin/sh\necho "$*" >> %s/%s.calls\nexec %s "$@"\n' "$w" "$tool" "$(command -v "$tool")" > "$w/bin/$tool"
    chmod +x "$w/bin/$tool"
done
cat > "$w/s/arrays.yaml" <<YAML
name: arrays
stages:
  fan:
    foreach: [$(seq -s ', ' -f 'i%g' 0 49)]
    run: echo \${each.key} > \${outputs.out}
    outputs:
      out: results/\${each.key}.txt
  all:
    run: cat \${inputs.parts} > \${outputs.out}
    inputs: {parts: {each: fan, output: out}}
    outputs: {out: results/all.txt}
    local: true
YAML
cp "$w/s/arrays.yaml" "$w/l/arrays.yaml"
check env PATH="$w/bin:$PATH" "$bin" run --executor slurm --poll-interval 5 -j 4 -C "$w/s" arrays.yaml
check "$bin" run -C "$w/l" arrays.yaml
check diff -r --exclude=.studyflow "$w/s" "$w/l"
check [ "$(wc -l < "$w/sbatch.calls")" -le 2 ]
check grep -q -- "--array=0-49%4" "$w/sbatch.calls"
check [ "$(wc -l < "$w/l/results/all.txt")" -eq 50 ]

stop_started_cluster "$slurm_started" trap
unset slurm_state slurm_started w pid status copy
