# The flagship study as a reviewer checks it (issue 7): run it from a copy of Workflows/, then
# `studyflow reproduce` must re-execute every stage without the cache and find every output
# identical, `audit --verify` on the report must pass, and its RO-Crate must pass roc-validator's
# provenance-run-crate profile (the validator 30-rocrate.sh installed, offline).
# Sourced by scripts/test-integration.sh: uses $bin, $root, $work, check() and $rocrate_venv,
# $rocrate_cache from 30-rocrate.sh.
flagship="$work/flagship"
mkdir -p "$flagship"
cp -R "$root/Workflows" "$flagship/Workflows"
check "$bin" run -C "$flagship"
check "$bin" audit -C "$flagship" --verify results/liver-metastasis/report.html
flagship_reproduce() {
    "$bin" reproduce -C "$flagship" > "$work/flagship-reproduce.txt" || { cat "$work/flagship-reproduce.txt" >&2; return 1; }
    # Every output of every stage was compared, and none differed.
    ! grep -v '^identical ' "$work/flagship-reproduce.txt" | grep -q '^differs'
}
check flagship_reproduce
check grep -q '^identical  results/liver-metastasis/report.html$' "$work/flagship-reproduce.txt"
check "$bin" crate -C "$flagship" --output "$work/flagship-crate"
flagship_validate() {
    "$rocrate_venv/bin/rocrate-validator" validate --offline --cache-path "$rocrate_cache" \
        --profile-identifier provenance-run-crate --requirement-severity REQUIRED --no-paging -f json \
        "$work/flagship-crate" > "$work/flagship-crate-report.json" || true
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); [print("  %s: %s" % (i.get("severity"), i.get("message")), file=sys.stderr) for i in r.get("issues", [])]; sys.exit(0 if r.get("passed") is True and not r.get("issues") else 1)' \
        "$work/flagship-crate-report.json"
}
check flagship_validate
unset flagship
