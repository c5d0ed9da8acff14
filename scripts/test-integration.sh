#!/usr/bin/env bash
# Integration tests against real external systems: the release binary runs every bundled example
# workflow from a fresh copy, twice (the second run must run nothing); then each section in
# scripts/integration/ (a real SLURM cluster, a browser, the RO-Crate validator).
set -euo pipefail
bin=$(realpath "${1:-.build/release/studyflow}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0; failed=0
check() { if "$@"; then passed=$((passed + 1)); else echo "FAILED: $*" >&2; failed=$((failed + 1)); fi; }

# Workflows/examples/sandbox runs its stages under bubblewrap (checked in depth by 55-sandbox.sh).
command -v bwrap > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 \
    --no-install-recommends bubblewrap > /dev/null
for example in "$root"/Workflows/examples/*/; do
    name=$(basename "$example")
    # An example with a needs-setup file (e.g. an image to build) runs from its own section below.
    [ -e "$example/needs-setup" ] && continue
    cp -R "$example" "$work/$name"
    check "$bin" run -C "$work/$name" workflow.yaml --json > "$work/$name.first.json"
    check "$bin" run -C "$work/$name" workflow.yaml --json > "$work/$name.second.json"
    check grep -q '"ran":\[\]' "$work/$name.second.json"
done
check grep -q '| male | 270 |' "$work/shell/results/report.md"
# The SwiftPM command plugins, from a package that depends on StudyFlow.
plugin="$work/plugin-user"
mkdir -p "$plugin/Sources/Study" "$plugin/Workflows"
cat > "$plugin/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "plugin-user", dependencies: [.package(path: "$root")], targets: [.target(name: "Study")])
SWIFT
echo 'public let study = 1' > "$plugin/Sources/Study/Study.swift"
printf 'name: p\nstages:\n  hello:\n    run: echo hello > ${outputs.out}\n    outputs: {out: results/hello.txt}\n' > "$plugin/Workflows/main.yaml"
check swift package --package-path "$plugin" --allow-writing-to-package-directory studyflow run
check grep -qx hello "$plugin/results/hello.txt"
check swift package --package-path "$plugin" validate-workflows

# Each scripts/integration/*.sh checks one external system (SLURM, browser, RO-Crate validator).
# It is sourced, so it uses $bin, $root, $work and check() and adds to the same counts.
for section in "$root"/scripts/integration/*.sh; do
    [ -e "$section" ] || continue
    echo "integration: $(basename "$section" .sh)"
    # shellcheck disable=SC1090
    source "$section"
done

echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
