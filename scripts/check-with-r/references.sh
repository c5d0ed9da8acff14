#!/usr/bin/env bash
# Re-runs the committed R scripts of the statistics tests (Tests/StudyStatsTests/Reference/*.R) in
# a scratch copy of that folder and checks that what they write equals what is committed, so every
# reference value the Swift tests compare with is provably R's. The committed *.r-survival.json
# are deleted from the copy first, so each must be written again by a script; data files a script
# writes (mgus2.csv, cox-breadth-*.csv, …) are compared too; inputs no script writes are not. datasets.R runs first: the others read
# the data sets it exports. A JSON file no script writes (lung, colon, ovarian, rossi: copied from
# the project's shared reference data, see SOURCES.md) is listed, not failed.
#
# usage: references.sh [REFERENCE_DIR]   (default Tests/StudyStatsTests/Reference)
# Exit status: 0 all equal, 1 a file differs or was not written, or a script failed.
# R, survival and cmprsk are installed from Debian when missing (bench/install-r.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
reference=${1:-$root/Tests/StudyStatsTests/Reference}
[ -d "$reference" ] || { echo "check-with-r: no reference folder '$reference'" >&2; exit 2; }
bash "$root/bench/install-r.sh"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/check-with-r.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp -p "$reference"/* "$scratch"/
rm -f "$scratch"/*.json
# Files newer than this mark were written by a script; the others are its inputs, as committed.
touch "$scratch/.start"
sleep 1
echo "check-with-r: re-running the reference scripts of $reference with $(Rscript -e 'cat(R.version.string, "survival", format(packageVersion("survival")))' 2>/dev/null)"

failed=0
scripts=()
[ -e "$scratch/datasets.R" ] && scripts+=(datasets.R)
for s in "$scratch"/*.R; do
    name=$(basename "$s")
    [ "$name" = datasets.R ] || scripts+=("$name")
done
for name in "${scripts[@]}"; do
    if ! (cd "$scratch" && Rscript "$name" >"$scratch/.$name.log" 2>&1); then
        echo "check-with-r: $name failed:" >&2
        tail -n 20 "$scratch/.$name.log" >&2
        failed=1
    fi
done

same=0
for committed in "$reference"/*; do
    name=$(basename "$committed")
    case $name in *.R | *.md) continue ;; esac
    written=$scratch/$name
    if [ ! -e "$written" ]; then
        echo "check-with-r: $name: not written by any script here (reference values from the shared data; see SOURCES.md)"
        continue
    fi
    [ "$written" -nt "$scratch/.start" ] || continue # an input no script writes
    if cmp -s "$committed" "$written"; then
        same=$((same + 1))
    else
        echo "check-with-r: $name: R's output differs from the committed file; first differences:" >&2
        diff <(tr ',' '\n' <"$committed") <(tr ',' '\n' <"$written") | head -n 10 >&2 || true
        echo "  fix: re-run the script that writes it and commit the result, or find why R's numbers moved" >&2
        failed=1
    fi
done
for written in "$scratch"/*.json; do
    [ -e "$written" ] || continue
    name=$(basename "$written")
    [ -e "$reference/$name" ] || { echo "check-with-r: $name: written by a script but not committed; commit it" >&2; failed=1; }
done
if [ "$failed" = 0 ]; then
    echo "check-with-r: ${#scripts[@]} reference scripts re-run; $same files byte-identical to the committed ones"
fi
exit "$failed"
