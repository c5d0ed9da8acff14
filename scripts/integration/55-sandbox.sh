# Hermetic sandbox (issue 16, item 4): bubblewrap installed when missing; on a small workflow an
# undeclared read fails with the promised message, a declared one passes, and the bytes equal an
# unsandboxed run's; the sandbox example gives the same bytes with 'sandbox: false'; a missing
# bwrap stops the run before anything runs. Sourced by scripts/test-integration.sh.
if ! command -v bwrap > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 --no-install-recommends bubblewrap > /dev/null
fi
check command -v bwrap

sandbox_workflow() { # SANDBOX DECLARE-LOOKUP
    local lookup=""
    [ "$2" = yes ] && lookup=", lookup: data/codes.txt"
    cat <<YAML
name: sandbox-check
stages:
  label:
    run: awk -F, -f scripts/label.awk \${inputs.table} > \${outputs.labelled}
    inputs: {table: data/with space.csv$lookup}
    outputs: {labelled: results/labelled.csv}
    sandbox: $1
  count:
    run: mkdir -p \${outputs.dir} && wc -l < \${inputs.labelled} > \${outputs.dir}/n.txt
    inputs: {labelled: results/labelled.csv}
    outputs: {dir: results/count/}
    sandbox: $1
YAML
}
sandbox_workspace() { # DIR SANDBOX DECLARE-LOOKUP
    rm -rf "$1"; mkdir -p "$1/data" "$1/scripts" "$1/results"
    printf 'id,code\n1,b\n2,a\n3,b\n' > "$1/data/with space.csv"
    printf 'a alpha\nb beta\n' > "$1/data/codes.txt"
    printf 'an unrelated file beside the output\n' > "$1/results/sibling.txt"
    # The script opens data/codes.txt itself: only a declared input makes it visible in the sandbox.
    cat > "$1/scripts/label.awk" <<'AWK'
BEGIN { while ((getline line < "data/codes.txt") > 0) { split(line, f, " "); name[f[1]] = f[2] }
        if (!("a" in name)) { print "label.awk: cannot open data/codes.txt: No such file or directory" > "/dev/stderr"; exit 2 } }
NR > 1 { print $1 "," name[$2] }
AWK
    sandbox_workflow "$2" "$3" > "$1/workflow.yaml"
}

# An undeclared read fails, saying the stage ran sandboxed and naming the file; nothing downstream runs.
w="$work/sandbox-undeclared"
sandbox_workspace "$w" true no
"$bin" run -C "$w" workflow.yaml > /dev/null 2> "$w.err" && { echo "FAILED: undeclared read passed in the sandbox" >&2; failed=$((failed + 1)); }
check grep -qF "studyflow: error: stage 'label' failed: exited with status 2; it ran sandboxed and could not read 'data/codes.txt', which is not among its inputs: declare it in 'inputs:' (or name it in 'run:'), or set 'sandbox: false'" "$w.err"
check test ! -e "$w/results/count"

# Declared, it passes; the bytes and keys equal an unsandboxed run's, and the record says sandboxed.
sandbox_workspace "$work/sandbox-on" true yes
sandbox_workspace "$work/sandbox-off" false yes
check "$bin" run -C "$work/sandbox-on" workflow.yaml
check "$bin" run -C "$work/sandbox-off" workflow.yaml
check diff -r --exclude=.studyflow "$work/sandbox-on/results" "$work/sandbox-off/results"
check grep -qx '2,alpha' "$work/sandbox-on/results/labelled.csv"
check grep -q '"sandbox": true' <(git --git-dir "$work/sandbox-on/.studyflow/provenance.git" show refs/studyflow/runs:stages/label.json)
sandbox_keys() {
    for stage in label count; do
        git --git-dir "$1/.studyflow/provenance.git" show "refs/studyflow/runs:stages/$stage.json" | grep '"key"'
    done
}
check test "$(sandbox_keys "$work/sandbox-on")" = "$(sandbox_keys "$work/sandbox-off")"
# Turning the sandbox off (or on) reruns nothing: it is not part of the key.
sed -i 's/sandbox: true/sandbox: false/' "$work/sandbox-on/workflow.yaml"
check sh -c "'$bin' run -C '$work/sandbox-on' workflow.yaml --json | grep -q '\"ran\":\[\]'"

# The example gives the same bytes sandboxed and not; run --sandbox sandboxes a plain workflow.
rm -rf "$work/sandbox-example-on" "$work/sandbox-example-off"
cp -R "$root/Workflows/examples/sandbox" "$work/sandbox-example-on"
cp -R "$root/Workflows/examples/sandbox" "$work/sandbox-example-off"
sed -i 's/^sandbox: true/sandbox: false/' "$work/sandbox-example-off/workflow.yaml"
check "$bin" run -C "$work/sandbox-example-on" workflow.yaml
check "$bin" run -C "$work/sandbox-example-off" workflow.yaml
check diff -r "$work/sandbox-example-on/results" "$work/sandbox-example-off/results"
rm -rf "$work/sandbox-flag"; cp -R "$root/Workflows/examples/shell" "$work/sandbox-flag"
check "$bin" run -C "$work/sandbox-flag" workflow.yaml --sandbox
check grep -q '| male | 270 |' "$work/sandbox-flag/results/report.md"

# Without bwrap on PATH: exit 2 before anything runs, naming the fix.
sandbox_workspace "$work/sandbox-nobwrap" true yes
nobwrap=$(mktemp -d "$work/nobwrap.XXXX")
# `|| nobwrap_status=$?` keeps the expected failure from ending the script under `set -e`.
nobwrap_status=0
PATH="$nobwrap" "$bin" run -C "$work/sandbox-nobwrap" workflow.yaml > /dev/null 2> "$work/sandbox-nobwrap.err" || nobwrap_status=$?
echo "$nobwrap_status" > "$work/sandbox-nobwrap.status"
check grep -qx 2 "$work/sandbox-nobwrap.status"
check grep -qxF "studyflow: error: stage 'label' runs sandboxed ('sandbox: true'), but 'bwrap' (bubblewrap) is not on PATH; install it ('apt-get install bubblewrap') or drop 'sandbox:'" "$work/sandbox-nobwrap.err"
check test ! -e "$work/sandbox-nobwrap/results/labelled.csv"
