#!/usr/bin/env bash
# report/html speed: a report with 20 figures (Kaplan-Meier by group with log-rank, overall,
# forest plots, power plots) and 6 tables over the results of two simulated 100,000-patient
# cohorts with continuous times (so each Kaplan-Meier curve has ~100,000 steps to thin).
# Target: the report stage renders in <= 0.5 s. Anchors from the same run: the Kaplan-Meier stage
# on the same cohort, and Python's json.load of the same result files (parsing alone).
# Environment: STUDYFLOW (release binary), BENCH_REPORT_RUNS (default 5).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sf=${STUDYFLOW:-$root/.build/release/studyflow}
runs=${BENCH_REPORT_RUNS:-5}
work=$root/bench/work/report
rm -rf "$work" && mkdir -p "$work/data"

python3 - "$work/data" <<'PY'
import math, random, sys
for name, seed in (("a", 1), ("b", 2)):
    rng = random.Random(seed)
    with open(f"{sys.argv[1]}/cohort-{name}.csv", "w") as f:
        f.write("time,status,arm,age,stage\n")
        for i in range(100_000):
            arm = ("control", "immunotherapy", "chemotherapy", "targeted")[i % 4]
            age = rng.gauss(64, 9); stage = rng.choice((1, 2, 3, 4))
            rate = 0.002 * (0.7 if arm == "immunotherapy" else 1) * math.exp(0.01 * (age - 64) + 0.2 * (stage - 2))
            t = rng.expovariate(rate); c = rng.uniform(0, 1500)
            f.write(f"{min(t, c):.3f},{int(t <= c)},{arm},{age:.1f},{stage}\n")
PY

{
echo "name: report-bench"
echo "stages:"
for c in a b; do cat <<YAML
  ingest_$c:
    uses: ingest/csv
    inputs: {table: data/cohort-$c.csv}
    outputs: {table: results/$c.csv, summary: results/$c-summary.json}
  km_$c:
    uses: survival/kaplan-meier
    inputs: {table: results/$c.csv}
    outputs: {result: results/km-$c.json}
    with: {time: time, event: status, group: arm}
  km_all_$c:
    uses: survival/kaplan-meier
    inputs: {table: results/$c.csv}
    outputs: {result: results/km-all-$c.json}
    with: {time: time, event: status}
  logrank_$c:
    uses: survival/log-rank
    inputs: {table: results/$c.csv}
    outputs: {result: results/logrank-$c.json}
    with: {time: time, event: status, group: arm}
  cox_$c:
    uses: survival/cox
    inputs: {table: results/$c.csv}
    outputs: {result: results/cox-$c.json}
    with: {time: time, event: status, covariates: [arm, age, stage], categorical: {arm: {reference: control}}}
YAML
done
cat <<YAML
  trial:
    uses: simulate/trial
    inputs: {km: results/km-a.json}
    outputs: {result: results/trial-power.json}
    with: {hazard_ratios: [0.6, 0.75], sample_sizes: [100, 200, 300, 400], control_median_from: {input: km, group: control},
           accrual: 365, follow_up: 365, analysis: log-rank, alpha: 0.05, replicates: 400, seed: 1994}
  report:
    uses: report/html
    inputs:
      power: results/trial-power.json
YAML
for c in a b; do for r in summary km km_all logrank cox; do
    f=$r-$c; [ $r = km_all ] && f=km-all-$c; [ $r = summary ] && f=$c-summary
    echo "      ${r}_$c: results/$f.json"
done; done
cat <<YAML
    outputs: {report: results/report.html, summary: results/report.md}
    with:
      title: Benchmark report, two cohorts of 100,000 patients
      sections:
YAML
for c in a b; do cat <<YAML
        - title: Cohort $c
          text: "Twenty figures in all; this section has ten."
          figures:
            - {type: kaplan-meier, inputs: [km_$c, logrank_$c], title: "KM by arm, cohort $c"}
            - {type: kaplan-meier, inputs: [km_$c, logrank_$c], medians: true, title: "KM by arm with medians, cohort $c"}
            - {type: kaplan-meier, input: km_$c, confidence: false, title: "KM by arm without bands, cohort $c"}
            - {type: kaplan-meier, input: km_$c, x_label: "Days", title: "KM by arm in days, cohort $c"}
            - {type: kaplan-meier, input: km_all_$c, title: "KM overall, cohort $c"}
            - {type: kaplan-meier, input: km_all_$c, medians: true, title: "KM overall with median, cohort $c"}
            - {type: forest, input: cox_$c, title: "Cox model, cohort $c"}
            - {type: forest, inputs: [cox_a, cox_b], title: "Cox models, both cohorts ($c)"}
            - {type: forest, inputs: [cox_$c, cox_$c], labels: [Model, Repeat], title: "Cox model twice, cohort $c"}
            - {type: power, input: power, title: "Trial power ($c)"}
          tables:
            - {type: cohort, input: summary_$c}
            - {type: cox, input: cox_$c}
            - {type: log-rank, input: logrank_$c}
YAML
done
} > "$work/workflow.yaml"

"$sf" run -C "$work" workflow.yaml --json > "$work/first.json"
stage_seconds() { python3 -c "
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get('event') == 'stage' and e.get('stage') == sys.argv[2]: print(e['seconds'])" "$1" "$2"; }
km_seconds=$(stage_seconds "$work/first.json" km_a)
times=(); cpus=()
TIMEFORMAT='%U %S'
for i in $(seq "$runs"); do
    # CPU seconds (user + system) of the whole process too: on a shared machine wall time
    # includes waiting for a core, CPU time does not.
    cpu=$( { time "$sf" run -C "$work" workflow.yaml --json --force report > "$work/run-$i.json"; } 2>&1 )
    cpus+=("$(echo "$cpu" | awk '{ printf "%.3f", $1 + $2 }')")
    times+=("$(stage_seconds "$work/run-$i.json" report)")
done
cpu_median=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
parse=$(python3 - "$work/results" <<'PY'
import glob, json, sys, time
files = sorted(glob.glob(sys.argv[1] + "/*.json"))
start = time.perf_counter()
for f in files: json.load(open(f))
print(f"{time.perf_counter() - start:.3f}")
PY
)
inputs_mb=$(du -cb "$work"/results/*.json | tail -1 | awk '{ printf "%.1f", $1 / 1e6 }')
# Bytes the report stage hashed itself, from its log line "report/html: read N input files
# (B bytes), hashed H bytes". Before issue 14 item 5 it hashed every input it read (B); now the
# stage key's digests come with the inputs and H is 0 unless an input changed in between. A
# binary without the line is an older one, which hashed everything it read.
report_log=$( (ls -td "$work"/.studyflow/logs/*/ || true) | head -1)report.log
read_line=$(grep '^report/html: read ' "$report_log" 2>/dev/null || true)
if [ -n "$read_line" ]; then
    read_mb=$(echo "$read_line" | sed -E 's/.*\(([0-9]+) bytes\).*/\1/' | awk '{ printf "%.1f", $1 / 1e6 }')
    hashed_mb=$(echo "$read_line" | sed -E 's/.*hashed ([0-9]+) bytes.*/\1/' | awk '{ printf "%.1f", $1 / 1e6 }')
else
    read_mb=$inputs_mb; hashed_mb=$inputs_mb; older=" (a binary without that log line hashes every input it reads)"
fi
html_kb=$(stat -c %s "$work/results/report.html" | awk '{ printf "%.0f", $1 / 1e3 }')
figures=$(grep -c '<figure' "$work/results/report.html")
verdict=$(awk -v t="$median" 'BEGIN { print (t <= 0.5 ? "met" : "MISSED") }')
echo
echo "report/html: $figures figures over two 100,000-patient cohorts ($inputs_mb MB of result JSON)"
printf '  %-52s %10s\n' "measurement" "seconds"
printf '  %-52s %10s\n' "report stage, median of $runs (target <= 0.5 s: $verdict)" "$median"
printf '  %-52s %10s\n' "CPU of the whole 'run --force report' process, median" "$cpu_median"
printf '  %-52s %10s\n' "anchor: kaplan-meier stage, 100,000 patients, 4 arms" "$km_seconds"
printf '  %-52s %10s\n' "anchor: python3 json.load of the same result files" "$parse"
echo "  report.html: $html_kb kB (all runs: ${times[*]} s; load average $(cut -d' ' -f1 /proc/loadavg))"
echo "  input hashing in the report stage: read $read_mb MB, hashed $hashed_mb MB${older:-} (before issue 14 item 5: all it read)"
