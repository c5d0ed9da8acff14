# SLURM faults (issue 17 item 5) on a real one-node cluster: array tasks and a whole array
# scancelled from outside, the node set DOWN mid-run and resumed, the controller restarted mid-run,
# and an array where some tasks fail. Each case ends with a per-instance reason, no hang (every
# studyflow run is under `timeout`), a clean `studyflow fsck` and a rerun that finishes the work.
#
# It sets the node DOWN and restarts the controller, so it uses only a cluster of its own: the one
# in $STUDYFLOW_SLURM_STATE (port $STUDYFLOW_SLURM_PORT) when the caller names one, else one it
# starts in $work (port 6857) and stops at the end. It never touches the cluster of 10-slurm.sh.
# Sourced by scripts/test-integration.sh ($bin, $root, $work, check()); runs under set -euo pipefail.

faults_state=${STUDYFLOW_SLURM_STATE:-$work/slurm-faults-state}
faults_port=${STUDYFLOW_SLURM_PORT:-6857}
faults_conf_before=${SLURM_CONF:-}
faults_started=""
faults_slurm() { STUDYFLOW_SLURM_STATE="$faults_state" STUDYFLOW_SLURM_PORT="$faults_port" bash "$root/scripts/slurm.sh" "$@"; }
if ! faults_slurm status > /dev/null 2>&1; then
    faults_slurm up
    faults_started=yes
    trap 'STUDYFLOW_SLURM_STATE="$faults_state" STUDYFLOW_SLURM_PORT="$faults_port" bash "$root/scripts/slurm.sh" down; rm -rf "$work"' EXIT
fi
export SLURM_CONF="$faults_state/slurm.conf"
faults_node=$(sinfo --noheader --Node --format=%N | head -n 1)

# f_run ARGS…: studyflow on this cluster, never longer than 240 s (a hang fails the check).
f_run() { timeout 240 "$bin" run --executor slurm --poll-interval 0.2 "$@"; }
# f_start DIR LOG ARGS…: f_run in the background (stdout and stderr to LOG); sets f_pid.
f_start() { local dir=$1 log=$2; shift 2; f_run -C "$dir" "$@" > "$log" 2>&1 & f_pid=$!; }
# f_wait: the background run's exit status in f_status.
f_wait() { f_status=0; wait "$f_pid" || f_status=$?; }
# f_until SECONDS COMMAND…: poll until COMMAND succeeds.
f_until() { local limit=$(( $1 * 10 )); shift; for _ in $(seq "$limit"); do "$@" && return 0; sleep 0.1; done; return 1; }
# f_array NAME: job id of the array of stage NAME (queued or running).
f_array() { squeue --noheader --me --format='%F %j' | awk -v n="studyflow-$1" '$2 == n { print $1; exit }'; }
# f_running COUNT: at least COUNT of this user's jobs are running.
f_running() { [ "$(squeue --noheader --me --states=RUNNING --format=%i | wc -l)" -ge "$1" ]; }
# f_instance DIR RUN TEMPLATE TASK: the instance task TASK of the template's first array runs.
f_instance() { awk -v t="$4" '$1 == t { print $2 }' "$1/.studyflow/logs/$2/$3.array-1.manifest"; }
# f_json_has FILE TEXT: the summary line of a --json run in FILE (stderr may follow it) has TEXT.
f_json_has() { grep -F '"event":"summary"' "$1" | grep -qF -- "$2"; }
# f_skipped FILE STAGE…: the --json summary in FILE lists every STAGE as skipped.
f_skipped() { local f=$1 s; shift; for s in "$@"; do grep -F '"event":"summary"' "$f" | grep -qE "\"skipped\":\[[^]]*\"$s\"" || return 1; done; }
f_fsck() { "$bin" fsck -C "$1" > /dev/null; }
f_node_up() { [[ "$(sinfo --noheader --format=%t | head -n 1)" =~ ^(idle|mix|alloc)$ ]]; }
# A fan-out of N instances sleeping ${params.t} seconds; extra YAML lines follow the stage.
f_fanout() { # DIR N EXTRA
    mkdir -p "$1"
    {
        printf 'name: faults\nparams: {t: 3}\nstages:\n  fan:\n'
        printf '    foreach: [%s]\n' "$(seq -s ', ' -f 'k%g' 1 "$2")"
        printf '    run: sleep ${params.t}; echo ${each.key} > ${outputs.out}\n'
        printf '    outputs:\n      out: results/${each.key}.txt\n'
        printf '%s' "${3:-}"
    } > "$1/f.yaml"
}

# (a) One task of an array scancelled from outside: that instance fails with the reason, the others
# finish (-k); the rerun redoes only it. Then a whole array: every instance fails with the reason.
w="$work/faults-scancel-task"; f_fanout "$w" 4
f_start "$w" "$w/run.log" f.yaml -j 4 -k --json
check f_until 60 f_running 2
id=$(f_array fan)
scancel "${id}_0" || true
f_wait
check [ "$f_status" -eq 1 ]
victim=$(f_instance "$w" 1 fan 0)
check grep -q "stage '$victim' failed: job ${id}_0 of stage '$victim' was cancelled (scancel from outside studyflow" "$w/run.log"
check f_json_has "$w/run.log" "\"failed\":[\"$victim\"]"
check f_fsck "$w"
f_run -C "$w" f.yaml --json > "$w/rerun.log" 2>&1 || true
check f_json_has "$w/rerun.log" "\"ran\":[\"$victim\"]"

w="$work/faults-scancel-array"; f_fanout "$w" 4 "    retries: 2
"
f_start "$w" "$w/run.log" f.yaml -j 4 -k --json
check f_until 60 f_running 2
id=$(f_array fan)
scancel "$id" || true
f_wait
check [ "$f_status" -eq 1 ]
# Every instance, running or queued, says so; a deliberate scancel is not retried.
check [ "$(grep -c "was cancelled (scancel from outside studyflow" "$w/run.log")" -ge 4 ]
check f_json_has "$w/run.log" '"ran":[]'
check [ ! -e "$w/.studyflow/logs/1/fan.array-2.sbatch" ]
check f_fsck "$w"
check f_run -C "$w" f.yaml --param t=0 > /dev/null 2>&1

# (b) The node set DOWN mid-run: running tasks are lost and retried (retries: 1), waiting ones show
# SLURM's reason; after the resume the run finishes. Without retries the stage fails with the reason.
w="$work/faults-node-down"; f_fanout "$w" 3 "    retries: 1
"
f_start "$w" "$w/run.log" f.yaml -j 3
check f_until 60 f_running 2
scontrol update nodename="$faults_node" state=down reason=studyflow-fault-test
check f_until 60 grep -q "in the batch queue: " "$w/run.log"
scontrol update nodename="$faults_node" state=resume
f_wait
check [ "$f_status" -eq 0 ]
check grep -q "was lost with its node (NODE_FAIL" "$w/run.log"
check grep -q "attempt 1 of 2 failed (job [0-9_]* of stage 'fan@k[0-9]' was lost with its node" "$w/run.log"
check grep -qE "wait(s)? in the batch queue: (ReqNodeNotAvail|Nodes required for job are DOWN)" "$w/run.log"
for k in 1 2 3; do check grep -qx "k$k" "$w/results/k$k.txt"; done
check f_fsck "$w"
f_run -C "$w" f.yaml --json > "$w/rerun.log" 2>&1 || true
check f_json_has "$w/rerun.log" '"ran":[]'

w="$work/faults-node-down-noretry"; mkdir -p "$w"
# The stage runs long enough that the node goes down while it runs, even when a loaded machine
# notices the job running late (with 3 s it once finished first: exit 0, no NODE_FAIL).
printf 'name: solo\nstages:\n  solo:\n    run: sleep 12; echo solo > ${outputs}\n    outputs: [results/solo.txt]\n' > "$w/s.yaml"
f_start "$w" "$w/run.log" s.yaml
check f_until 60 f_running 1
scontrol update nodename="$faults_node" state=down reason=studyflow-fault-test
f_wait
scontrol update nodename="$faults_node" state=resume
check [ "$f_status" -eq 1 ]
check grep -q "stage 'solo' failed: job [0-9]* of stage 'solo' was lost with its node (NODE_FAIL" "$w/run.log"
check f_until 30 f_node_up
check f_fsck "$w"
check f_run -C "$w" s.yaml > /dev/null 2>&1
check grep -qx solo "$w/results/solo.txt"

# (c) The controller restarted mid-run: squeue fails for a while, the jobs keep running, the run
# finishes with the right outputs (a stage submitted during the outage waits for the controller).
w="$work/faults-controller"; f_fanout "$w" 4 "  all:
    run: cat \${inputs.parts} > \${outputs.out}
    inputs: {parts: {each: fan, output: out}}
    outputs: {out: results/all.txt}
"
f_start "$w" "$w/run.log" f.yaml -j 4 --param t=4
check f_until 60 f_running 2
STUDYFLOW_SLURM_OUTAGE=3 faults_slurm restart-controller
f_wait
check [ "$f_status" -eq 0 ]
check [ "$(cat "$w/results/all.txt" | tr '\n' ' ')" = "k1 k2 k3 k4 " ]
check f_fsck "$w"
f_run -C "$w" f.yaml --param t=4 --json > "$w/rerun.log" 2>&1 || true
check f_json_has "$w/rerun.log" '"ran":[]'

# (d) An array where some tasks fail: without -k the queued tasks are withdrawn and the failed
# instances reported; with -k the rest finish; the rerun redoes only the failed ones. The fix
# lives outside the workspace, so no key changes.
w="$work/faults-partial"; fix="$work/faults-partial-fix"; mkdir -p "$w" "$fix"
cat > "$w/p.yaml" <<YAML
name: partial
stages:
  fan:
    foreach: [k1, k2, k3, k4, k5, k6]
    run: "case \${each.key} in k2|k5) [ -e $fix/fixed ] || { echo broken-\${each.key} >&2; exit 1; } ;; esac; sleep 1; echo \${each.key} > \${outputs.out}"
    outputs:
      out: results/\${each.key}.txt
YAML
f_status=0; f_run -C "$w" p.yaml -j 1 --json > "$w/stop.log" 2>&1 || f_status=$?
check [ "$f_status" -eq 1 ]
check grep -q "stage 'fan@k2' failed: job [0-9]*_[0-9]* exited with status 1.*broken-k2" "$w/stop.log"
# -j 1: k1 ran, k2 failed, the queued tasks were withdrawn (k3 may have started just before).
check f_json_has "$w/stop.log" '"failed":["fan@k2"]'
check f_skipped "$w/stop.log" fan@k4 fan@k5 fan@k6
check [ ! -e "$w/results/k6.txt" ]
check f_fsck "$w"
f_status=0; f_run -C "$w" p.yaml -j 2 -k --json > "$w/keep.log" 2>&1 || f_status=$?
check [ "$f_status" -eq 1 ]
check f_json_has "$w/keep.log" '"failed":["fan@k2","fan@k5"]'
check grep -q "stage 'fan@k5' failed: job [0-9]*_[0-9]* exited with status 1.*broken-k5" "$w/keep.log"
for k in 1 3 4 6; do check grep -qx "k$k" "$w/results/k$k.txt"; done
check f_fsck "$w"
touch "$fix/fixed"
f_run -C "$w" p.yaml -j 2 --json > "$w/rerun.log" 2>&1 || true
check f_json_has "$w/rerun.log" '"ran":["fan@k2","fan@k5"]'

check f_node_up
if [ -n "$faults_started" ]; then
    faults_slurm down
    trap 'rm -rf "$work"' EXIT
fi
if [ -n "$faults_conf_before" ]; then export SLURM_CONF="$faults_conf_before"; else unset SLURM_CONF; fi
unset faults_state faults_port faults_conf_before faults_started faults_node w id victim fix f_pid f_status
