#!/usr/bin/env bash
# Libraries section of `make bench` (issue 14, item 9): StudyFlow's own CSV reader beside the
# package mirror's CSV libraries (SwiftCSV 0.10.0, CSV.swift 2.5.2) reading the survival section's
# 1,000,000-row cohort (bench/survival/gen.py), each in a process of its own (thread CPU, wall,
# peak RSS); then the inputs where the readers differ, and hostile Markdown through ours and Ink
# 0.6.0. The libraries live in the separate package bench/libraries, so the main build never
# compiles them. Environment: BENCH_LIBRARIES_ROWS (default 1000000), BENCH_LIBRARIES_REPEATS
# (default 3). Exits 1 when a reader fails or the readers disagree on the record count.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rows=${BENCH_LIBRARIES_ROWS:-1000000}
repeats=${BENCH_LIBRARIES_REPEATS:-3}
work=$root/bench/work/libraries
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "libraries bench: needs GNU time (/usr/bin/time); run bench/run.sh first" >&2; exit 1; }
csv=$work/cohort-$rows.csv
[ -s "$csv" ] || python3 "$root/bench/survival/gen.py" "$rows" "$csv"
echo "libraries bench: swift build -c release (bench/libraries)" >&2
# -enable-testing: the bench reaches our internal CSVReader by @testable import, not by a copy.
swift build -c release -Xswiftc -enable-testing --package-path "$root/bench/libraries" >&2
bin=$(swift build -c release -Xswiftc -enable-testing --package-path "$root/bench/libraries" --show-bin-path)/library-bench

# One line per reader: label, records, CPU min/median, wall min/median, peak RSS (largest, MiB).
measure() {
    local reader=$1 out cpus=() walls=() rss=0 count= r
    for _ in $(seq "$repeats"); do
        out=$(/usr/bin/time -f '%M' -o "$work/rss" "$bin" csv "$reader" "$csv" 2>"$work/$reader.err") ||
            { cat "$work/$reader.err" >&2; echo "libraries bench: $reader failed" >&2; exit 1; }
        read -r n _ cpu wall <<<"$out"
        [ -z "$count" ] || [ "$count" = "$n" ] || { echo "libraries bench: $reader read $n records, then $count" >&2; exit 1; }
        count=$n; cpus+=("$cpu"); walls+=("$wall")
        r=$(cat "$work/rss"); [ "$r" -gt "$rss" ] && rss=$r
    done
    echo "$reader $count $(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f/%.3f", a[1], a[int((NR + 1) / 2)] }') $(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f/%.3f", a[1], a[int((NR + 1) / 2)] }') $(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')"
}
results=()
for reader in ours swiftcsv csvswift; do results+=("$(measure "$reader")"); done
counts=$(printf '%s\n' "${results[@]}" | awk '{ print $2 }' | sort -u | wc -l)

echo
echo "CSV: read $rows-row cohort ($(du -m "$csv" | cut -f1) MB) into memory, CPU and wall seconds min/median of $repeats, one process each"
echo "  (the whole file, then every record as fields of text: the job of ingest/csv's 'read' phase)"
printf '  %-22s %9s %13s %13s %9s %8s\n' "reader" "records" "CPU s" "wall s" "peak MiB" "÷ours"
ours_cpu=$(echo "${results[0]}" | awk '{ split($3, a, "/"); print a[1] }')
labels=("studyflow CSVReader" "SwiftCSV 0.10.0" "CSV.swift 2.5.2")
for i in 0 1 2; do
    read -r _ n cpu wall rss <<<"${results[$i]}"
    ratio=$(awk -v a="${cpu%%/*}" -v b="$ours_cpu" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
    printf '  %-22s %9s %13s %13s %9s %8s\n' "${labels[$i]}" "$n" "$cpu" "$wall" "$rss" "$ratio"
done
for reader in ours swiftcsv csvswift; do sort -u "$work/$reader.err" | sed 's/^/  note: /'; done
echo "  machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%d)"
echo
echo "CSV: the same inputs through each reader (records as read, or the error as reported)"
"$bin" csv-features
echo
echo "Markdown (report section text): ours, Ink, and Ink with escaping and link-filtering modifiers;"
echo "  UNSAFE: a raw element, event handler or javascript:/data: URL reaches the page"
"$bin" markdown
[ "$counts" = 1 ] || { echo "libraries bench: the readers disagree on the record count" >&2; exit 1; }
