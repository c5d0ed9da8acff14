#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine (slurmctld, slurmd, munged) for --executor slurm,
# `make test-integration` and the SLURM benchmark.
#
#   scripts/slurm.sh up       install slurm-wlm and munge when missing, write the configuration,
#                             start the daemons, wait until the node is idle
#   scripts/slurm.sh down     stop the daemons this script started (by their pid files), nothing else
#   scripts/slurm.sh status   what is running; exit 0 when the node answers
#   scripts/slurm.sh env      the line to eval so sbatch/squeue find this cluster (SLURM_CONF)
#   scripts/slurm.sh restart-controller
#                             stop slurmctld and start it again on the same state folder (its jobs
#                             survive, as after a controller crash on a real cluster; fault tests)
#
# Everything lives in the state folder ($STUDYFLOW_SLURM_STATE, default .slurm/ in the repository,
# git-ignored): slurm.conf, munge key and socket, spool directories, pid files and daemon logs.
# $STUDYFLOW_SLURM_PORT (default 6817) is the controller's port and the next one slurmd's, so
# several clusters, each with its own state folder and port, can run side by side on one machine.
# Needs root (the daemons run as root, as the machine has no systemd and no slurm user).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${STUDYFLOW_SLURM_STATE:-$root/.slurm}
conf=$state/slurm.conf
socket=$state/munge/munge.socket.2
port=${STUDYFLOW_SLURM_PORT:-6817}
export SLURM_CONF=$conf

say() { echo "slurm: $*" >&2; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
        && command -v munged >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || { say "slurm-wlm and munge are missing and there is no apt-get; install them"; exit 1; }
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    say "installing slurm-wlm and munge"
    $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends slurm-wlm munge >/dev/null \
        || { $sudo apt-get update -qq -o DPkg::Lock::Timeout=900 \
             && $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends slurm-wlm munge >/dev/null; }
}

# alive PIDFILE: the process named in PIDFILE is running.
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_config() {
    local node cpus memory
    node=$(slurmd -C | head -n 1)                # NodeName=… CPUs=… RealMemory=…
    cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node")
    memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
    cat > "$conf" <<CONF
# Written by scripts/slurm.sh from 'slurmd -C'; regenerated on every 'up'.
ClusterName=studyflow
SlurmctldHost=$(hostname -s)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
# Each CPU (not each core) is a slot, memory is consumable with a small default per CPU, so
# several one-CPU jobs share the node.
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=$(( memory / cpus / 4 ))
SchedulerType=sched/backfill
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0,bf_interval=1
DependencyParameters=kill_invalid_depend
# Reject at submission what no node can ever run (else such a job pends forever).
EnforcePartLimits=ALL
AccountingStorageType=accounting_storage/none
# Memory limits (--mem) are enforced without cgroups: slurmd samples each job's processes every
# second and kills a job over its limit (state OUT_OF_MEMORY; TaskPlugin=task/none enforces nothing).
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=1
JobCompType=jobcomp/none
MpiDefault=none
# A node an administrator set DOWN stays down until 'scontrol update … state=resume' (the fault
# tests set it down mid-run); one that stopped answering returns when its slurmd registers again.
ReturnToService=1
KillWait=5
$node
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

node_state() { sinfo --noheader --format=%t 2>/dev/null | head -n 1; }

up() {
    install_packages
    mkdir -p "$state"
    chmod 0700 "$state"
    # (sinfo without a configuration tries DNS SRV records first: only ask a cluster we started.)
    if alive "$state/slurmctld.pid" && alive "$state/slurmd.pid" && [ -f "$conf" ] \
        && [[ "$(node_state)" =~ ^(idle|mix|alloc)$ ]]; then
        say "already up; export SLURM_CONF=$conf"
        return
    fi
    mkdir -p -m 0700 "$state/ctld" "$state/spool"
    # Other users must reach munge's socket; the key stays readable by root only.
    mkdir -p -m 0755 "$state/munge"
    if [ ! -s "$state/munge/munge.key" ]; then
        head -c 1024 /dev/urandom > "$state/munge/munge.key"
        chmod 0400 "$state/munge/munge.key"
    fi
    if ! alive "$state/munged.pid"; then
        munged --force --socket="$socket" --key-file="$state/munge/munge.key" --pid-file="$state/munged.pid" \
            --log-file="$state/munged.log" --seed-file="$state/munge/munged.seed"
    fi
    write_config
    alive "$state/slurmctld.pid" || slurmctld -f "$conf"
    alive "$state/slurmd.pid" || slurmd -f "$conf"
    # A node a fault test left DOWN or drained (ReturnToService=1 keeps it so) is ours to resume.
    for _ in $(seq 50); do [ -n "$(node_state)" ] && break; sleep 0.1; done
    if [[ "$(node_state)" =~ ^(down|drain|drng|fail) ]]; then
        scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    fi
    local waited=0
    until [ "$(node_state)" = idle ]; do
        sleep 0.1
        waited=$((waited + 1))
        if [ "$waited" -ge 300 ]; then
            say "the node did not become idle within 30 s; see $state/slurmctld.log and $state/slurmd.log"
            exit 1
        fi
    done
    say "up: node $(hostname -s) idle ($(sinfo --noheader --Node --format=%c) CPUs); export SLURM_CONF=$conf"
}

down() {
    local stopped=0
    for daemon in slurmd slurmctld munged; do
        local pidfile=$state/$daemon.pid
        if alive "$pidfile"; then
            local pid
            pid=$(cat "$pidfile")
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
            stopped=$((stopped + 1))
        fi
        rm -f "$pidfile"
    done
    say "down: stopped $stopped daemon(s)"
}

# Stops slurmctld (by its pid file) and starts it again with the same configuration and state
# folder: queued and running jobs survive; squeue fails while it is away.
restart_controller() {
    local pidfile=$state/slurmctld.pid
    alive "$pidfile" || { say "slurmctld is not running (no live $pidfile); run 'scripts/slurm.sh up'"; exit 1; }
    local pid
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidfile"
    sleep "${STUDYFLOW_SLURM_OUTAGE:-0}"
    slurmctld -f "$conf"
    for _ in $(seq 300); do sinfo >/dev/null 2>&1 && { say "controller restarted"; return; }; sleep 0.1; done
    say "the controller did not answer within 30 s of its restart; see $state/slurmctld.log"
    exit 1
}

status() {
    for daemon in munged slurmctld slurmd; do
        if alive "$state/$daemon.pid"; then echo "$daemon: running (pid $(cat "$state/$daemon.pid"))"; else echo "$daemon: stopped"; fi
    done
    { [ -f "$conf" ] && alive "$state/slurmctld.pid" && sinfo 2>/dev/null; } || { echo "controller: not answering"; return 1; }
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    env) echo "export SLURM_CONF=$conf" ;;
    restart-controller) restart_controller ;;
    *) echo "usage: scripts/slurm.sh up|down|status|env|restart-controller" >&2; exit 2 ;;
esac
