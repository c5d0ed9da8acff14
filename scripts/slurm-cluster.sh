# Shared by the SLURM benchmark sections and integration scripts (sourced; needs $root): use the
# cluster that answers, or start one with scripts/slurm.sh, and stop only what was started.

# use_or_start_cluster STATE [trap]: uses the cluster that answers `sinfo` ($SLURM_CONF's, the
# system's, or the one 'make slurm-up' started in $root/.slurm); otherwise starts one with its
# state in STATE and exports its SLURM_CONF. Sets cluster_started to STATE when it started one,
# else to "". With `trap`, an EXIT trap stops that cluster and removes $work even if a later
# command aborts (it replaces the caller's trap, which removed $work).
use_or_start_cluster() {
    local state=$1 mode=${2:-}
    cluster_started=""
    [ -z "${SLURM_CONF:-}" ] && [ ! -f /etc/slurm/slurm.conf ] && [ -f "$root/.slurm/slurm.conf" ] \
        && export SLURM_CONF="$root/.slurm/slurm.conf"
    if { [ -n "${SLURM_CONF:-}" ] || [ -f /etc/slurm/slurm.conf ]; } && timeout 20 sinfo >/dev/null 2>&1; then
        echo "slurm: using the running cluster (${SLURM_CONF:-/etc/slurm/slurm.conf})"
        return 0
    fi
    unset SLURM_CONF
    STUDYFLOW_SLURM_STATE="$state" bash "$root/scripts/slurm.sh" up
    export SLURM_CONF="$state/slurm.conf"
    cluster_started=$state
    # shellcheck disable=SC2064 # the state folder is fixed now, on purpose
    [ "$mode" = trap ] && trap "STUDYFLOW_SLURM_STATE='$state' bash '$root/scripts/slurm.sh' down; rm -rf \"\$work\"" EXIT
    return 0
}

# stop_started_cluster STARTED [trap]: stops the cluster use_or_start_cluster started (STARTED is
# the cluster_started it set; "" does nothing); with `trap`, the EXIT trap goes back to removing $work.
stop_started_cluster() {
    [ -n "${1:-}" ] || return 0
    STUDYFLOW_SLURM_STATE="$1" bash "$root/scripts/slurm.sh" down
    [ "${2:-}" = trap ] && trap 'rm -rf "$work"' EXIT
    return 0
}
