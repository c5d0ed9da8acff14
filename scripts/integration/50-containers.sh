# Container stages on Debian's podman (with runc; its default crun fails here) and the image that
# scripts/build-test-image.sh builds offline. Checks: the stage sees the image's files, not the
# host's; a retag reruns exactly the container stages with the reason; the digest is in the run
# record and the RO-Crate (which the validator still accepts); a missing image or runtime stops
# the run before anything runs (exit 2). Sourced by scripts/test-integration.sh (uses $bin, $root,
# $work and check()); runs on its own too: scripts/integration/50-containers.sh [STUDYFLOW].
if ! declare -F check >/dev/null; then
    set -euo pipefail
    bin=$(realpath "${1:-.build/release/studyflow}")
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    passed=0; failed=0
    check() { if "$@"; then passed=$((passed + 1)); else echo "FAILED: $*" >&2; failed=$((failed + 1)); fi; }
    containers_alone=1
fi
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v busybox >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 --no-install-recommends \
        podman runc busybox-static >/dev/null
fi
# podman runs here only with runc, cgroupfs and no default ulimits (PLATFORM-NOTES).
export CONTAINERS_CONF="$work/containers.conf"
printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' > "$CONTAINERS_CONF"
image=localhost/studyflow-test:1
c="$work/containers"
cp -R "$root/Workflows/examples/containers" "$c"
rm -rf "$c/results" "$c/.studyflow"
(cd "$c" && git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm example)
first_id=$("$root/scripts/build-test-image.sh" --marker "image one" --tag "$image")

# The stage ran in the image: it read the image's marker file, which the host does not have.
check "$bin" run -C "$c" workflow.yaml
check grep -qx "image one" "$c/results/marker.txt"
check test ! -e /etc/studyflow-marker
check grep -qx "values 5" "$c/results/summary.txt"
# A second run runs nothing.
"$bin" run -C "$c" workflow.yaml --json > "$work/containers-second.json" || true
check grep -q '"ran":\[\]' "$work/containers-second.json"

# Under --executor slurm the job script runs the same container command on the node: same bytes
# as the local run. A cluster is started for this check (scripts/slurm.sh) unless one answers.
containers_slurm() {
    local s="$work/containers-slurm" state="$work/containers-slurm-state" started="" rc=0 conf=${SLURM_CONF:-}
    cp -R "$root/Workflows/examples/containers" "$s"
    rm -rf "$s/results" "$s/.studyflow"
    if ! { [ -n "${SLURM_CONF:-}" ] && timeout 20 sinfo >/dev/null 2>&1; }; then
        STUDYFLOW_SLURM_STATE="$state" bash "$root/scripts/slurm.sh" up >/dev/null || return 1
        started=yes conf="$state/slurm.conf"
    fi
    SLURM_CONF=$conf "$bin" run -C "$s" workflow.yaml --executor slurm --poll-interval 0.2 >/dev/null || rc=1
    [ -n "$started" ] && STUDYFLOW_SLURM_STATE="$state" bash "$root/scripts/slurm.sh" down >/dev/null
    [ "$rc" -eq 0 ] && ls "$s"/.studyflow/logs/1/*.sbatch >/dev/null 2>&1 && diff -r "$s/results" "$c/results"
}
check containers_slurm

# The run record names image, digest, runtime and version; audit shows them.
containers_record() {
    git -C "$c" show refs/studyflow/runs:stages/marker.json > "$work/marker-record.json"
    python3 - "$work/marker-record.json" "sha256:${first_id#sha256:}" "$image" <<'PY'
import json, sys
container = json.load(open(sys.argv[1]))["environment"]["container"]
assert container["digest"] == sys.argv[2], container
assert container["image"] == sys.argv[3] and container["runtime"] == "podman" and container["runtime_version"], container
PY
}
check containers_record
"$bin" audit -C "$c" results/marker.txt > "$work/containers-audit.txt" || true
check grep -q "container $image sha256:${first_id#sha256:} (podman " "$work/containers-audit.txt"

# The crate has the ContainerImage entity and still passes the validator.
check "$bin" crate -C "$c" --output "$work/containers-crate" --publisher "StudyFlow integration test"
containers_crate() {
    python3 - "$work/containers-crate/ro-crate-metadata.json" "${first_id#sha256:}" <<'PY'
import json, sys
graph = json.load(open(sys.argv[1]))["@graph"]
images = [e for e in graph if e.get("@type") == "ContainerImage"]
assert len(images) == 1 and images[0]["sha256"] == sys.argv[2] and images[0]["name"] == "studyflow-test", images
actions = [e for e in graph if e.get("@type") == "CreateAction" and e.get("containerImage")]
assert len(actions) == 3, actions
PY
}
check containers_crate
rocrate_venv="$root/.build-venv/rocrate"
if [ -x "$rocrate_venv/bin/rocrate-validator" ] || python3 -m venv "$rocrate_venv" 2>/dev/null; then
    [ -x "$rocrate_venv/bin/rocrate-validator" ] || "$rocrate_venv/bin/pip" install -q roc-validator==0.13.0 rocrate==0.11.0
    "$rocrate_venv/bin/python" "$root/scripts/integration/rocrate-cache.py" "$root/.build-venv/rocrate-cache" >/dev/null
    containers_validate() {
        "$rocrate_venv/bin/rocrate-validator" validate --offline --cache-path "$root/.build-venv/rocrate-cache" \
            --profile-identifier provenance-run-crate --requirement-severity REQUIRED --no-paging -f json \
            "$work/containers-crate" > "$work/containers-crate-report.json" || true
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r.get("passed") is True and not r.get("issues") else 1)' \
            "$work/containers-crate-report.json" || { cat "$work/containers-crate-report.json" >&2; return 1; }
    }
    check containers_validate
fi

# A retag (other content under the same tag) reruns exactly the container stages, saying why.
second_id=$("$root/scripts/build-test-image.sh" --marker "image two" --tag "$image")
check test "$first_id" != "$second_id"
"$bin" status -C "$c" workflow.yaml > "$work/containers-status.txt" || true
short() { local hex=${1#sha256:}; printf 'sha256:%s…' "${hex:0:12}"; }
check grep -qF "container $image changed ($(short "$first_id") → $(short "$second_id"))" "$work/containers-status.txt"
"$bin" run -C "$c" workflow.yaml --json > "$work/containers-retag.json" || true
check grep -q '"ran":\["count","marker","summary"\]\|"ran":\["marker","count","summary"\]' "$work/containers-retag.json"
check grep -qx "image two" "$c/results/marker.txt"

# reproduce runs the recorded digest: the first run's image is gone once its tag moved and it
# is removed, so reproducing run 1 fails clearly; the latest run reproduces.
check "$bin" reproduce -C "$c"
podman rmi -f "${first_id#sha256:}" >/dev/null 2>&1 || true
set +e
"$bin" reproduce -C "$c" 1 > /dev/null 2> "$work/containers-reproduce.err"; status=$?
set -e
check test "$status" -eq 2
check grep -qF "which is no longer in podman's image store" "$work/containers-reproduce.err"

# A missing image and a missing runtime stop the run before anything runs: exit 2, nothing written.
containers_fails() {  # EXPECTED-MESSAGE ARGS…
    local expected=$1; shift
    set +e; "$@" > /dev/null 2> "$work/containers-error.txt"; local status=$?; set -e
    [ "$status" -eq 2 ] && grep -qF "$expected" "$work/containers-error.txt" \
        || { echo "exit $status:" >&2; cat "$work/containers-error.txt" >&2; return 1; }
}
runs_before=$(git -C "$c" rev-list --count refs/studyflow/runs)
sed -i 's|^container: .*|container: localhost/studyflow-missing:1|' "$c/workflow.yaml"
check containers_fails "image 'localhost/studyflow-missing:1' of stage 'marker' (and 2 more stages) is not in podman's image store and studyflow does not pull silently; run 'podman pull localhost/studyflow-missing:1', or rerun with --pull" \
    "$bin" run -C "$c" workflow.yaml
check containers_fails "unknown container runtime 'nosuch'; use podman, docker or apptainer" \
    "$bin" run -C "$c" workflow.yaml --container-runtime nosuch
check containers_fails "stage 'marker' (and 2 more stages) runs in container 'localhost/studyflow-missing:1', but no container runtime (podman, docker or apptainer) was found on PATH" \
    env PATH=/nonexistent "$bin" run -C "$c" workflow.yaml
check test "$(git -C "$c" rev-list --count refs/studyflow/runs)" = "$runs_before"

if [ -n "${containers_alone:-}" ]; then
    echo "containers: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
fi
