# RO-Crate export checked by the real validator: roc-validator 0.13.0 (PyPI) in a virtual
# environment under .build-venv/ (git-ignored), run offline against a requests-cache filled with
# the RO-Crate 1.1 context from rocrate==0.11.0 (scripts/integration/rocrate-cache.py).
# A crate of the survival example must pass the provenance-run-crate profile at REQUIRED level.
# Sourced by scripts/test-integration.sh: uses $bin, $root, $work and check().
rocrate_venv="$root/.build-venv/rocrate"
if [ ! -x "$rocrate_venv/bin/rocrate-validator" ]; then
    python3 -m venv "$rocrate_venv"
    "$rocrate_venv/bin/pip" install -q roc-validator==0.13.0 rocrate==0.11.0
fi
rocrate_cache="$root/.build-venv/rocrate-cache"
"$rocrate_venv/bin/python" "$root/scripts/integration/rocrate-cache.py" "$rocrate_cache" >/dev/null
cp -R "$root/Workflows/examples/survival" "$work/crate-survival"
rm -rf "$work/crate-survival/results" "$work/crate-survival/.studyflow"
check "$bin" run -C "$work/crate-survival" workflow.yaml
check "$bin" crate -C "$work/crate-survival" --output "$work/crate-survival-crate" --publisher "StudyFlow integration test"
# rocrate_validate [CRATE]: the crate (default the survival example's) passes at REQUIRED level.
rocrate_validate() {
    "$rocrate_venv/bin/rocrate-validator" validate --offline --cache-path "$rocrate_cache" \
        --profile-identifier provenance-run-crate --requirement-severity REQUIRED --no-paging -f json \
        "${1:-$work/crate-survival-crate}" > "$work/crate-report.json" || true
    if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r.get("passed") is True and not r.get("issues") else 1)' "$work/crate-report.json"; then
        return 0
    fi
    echo "rocrate-validator found issues:" >&2
    python3 -c 'import json,sys; [print("  %s: %s" % (i.get("severity"), i.get("message")), file=sys.stderr) for i in json.load(open(sys.argv[1])).get("issues", [])]' "$work/crate-report.json" || cat "$work/crate-report.json" >&2
    return 1
}
check rocrate_validate
# Every file of the crate carries the sha256 of its bytes.
rocrate_digests() {
    python3 - "$work/crate-survival-crate" <<'PY'
import hashlib, json, os, sys
crate = sys.argv[1]
graph = json.load(open(os.path.join(crate, "ro-crate-metadata.json")))["@graph"]
files = [e for e in graph if "File" in (e["@type"] if isinstance(e["@type"], list) else [e["@type"]])]
assert files, "no File entities"
for e in files:
    digest = hashlib.sha256(open(os.path.join(crate, e["@id"]), "rb").read()).hexdigest()
    assert e.get("sha256") == digest, (e["@id"], e.get("sha256"), digest)
PY
}
check rocrate_digests
# A workflow split over included files: the crate carries them and still passes.
mkdir -p "$work/crate-include/Workflows/cohorts"
printf 'name: cohorts\ninclude: [cohorts/*.yaml]\nstages:\n  items:\n    run: echo a > ${outputs.out}\n    outputs: {out: results/items.txt}\n' \
    > "$work/crate-include/Workflows/study.yaml"
printf 'stages:\n  msk:\n    run: cat ${inputs.i} > ${outputs.out}\n    inputs: {i: results/items.txt}\n    outputs: {out: results/msk.txt}\n' \
    > "$work/crate-include/Workflows/cohorts/msk.yaml"
check "$bin" run -C "$work/crate-include"
check "$bin" crate -C "$work/crate-include" --output "$work/crate-include-crate" --publisher "StudyFlow integration test"
check cmp "$work/crate-include/Workflows/cohorts/msk.yaml" "$work/crate-include-crate/Workflows/cohorts/msk.yaml"
check rocrate_validate "$work/crate-include-crate"
