#!/usr/bin/env bash
# Simulation benchmark (issue 5): 10,000 replicates of a 400-patient two-arm trial analysed by the
# log-rank test — simulate/trial with threads: 1 and threads: 2, against the same simulation in R
# (a loop of rexp + survdiff) — printed side by side with the targets:
# ≥ 20,000 replicates/s per core, ≥ 50× R's rate, ≥ 1.8× speed-up on 2 cores.
# Settings: SIM_REPLICATES (default 10000), SIM_R_REPLICATES (default the same), SIM_RUNS (best of, default 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${STUDYFLOW:-$root/.build/release/studyflow}
reps=${SIM_REPLICATES:-10000}
r_reps=${SIM_R_REPLICATES:-$reps}
runs=${SIM_RUNS:-3}
[ -x "$bin" ] || { echo "simulation bench: no studyflow binary at $bin; run 'make build' or set STUDYFLOW" >&2; exit 1; }
bash "$root/bench/install-r.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The design, shared by both: HR 0.7, control median 6, accrual 12, follow-up 12, no dropout, 1:1.
for threads in 1 2; do
    mkdir -p "$work/t$threads"
    cat > "$work/t$threads/workflow.yaml" <<YAML
name: sim-bench
params: {seed: 1}
stages:
  trial:
    uses: simulate/trial
    threads: $threads
    outputs: {result: power.json}
    with:
      hazard_ratios: [0.7]
      sample_sizes: [400]
      control_median: 6
      accrual: 12
      follow_up: 12
      dropout: 0
      analysis: log-rank
      alpha: 0.05
      replicates: $reps
      seed: \${params.seed}
YAML
done

# The stage's own seconds from `run --json`, best of $runs (each run a new seed, so nothing is cached).
stage_seconds() {
    local dir=$1 best=""
    for i in $(seq 1 "$runs"); do
        "$bin" run -C "$dir" workflow.yaml -j 2 --json --param seed=$((100 + i)) > "$dir/run.json"
        local s
        s=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "stage" and e.get("stage") == "trial":
        assert e["status"] == "ran", e
        print(e["seconds"])' "$dir/run.json")
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $s < $best else 1)"; then best=$s; fi
    done
    echo "$best"
}
t1=$(stage_seconds "$work/t1")
t2=$(stage_seconds "$work/t2")
cmp -s "$work/t1/power.json" "$work/t2/power.json" && same=yes || same=NO
sf_power=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cells"][0]["power"])' "$work/t1/power.json")

cat > "$work/bench.R" <<'R'
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
reps <- as.integer(args[1])
set.seed(1)
n <- 400; hr <- 0.7; lambda0 <- log(2) / 6
arm <- rep(c(1, 0), each = n / 2)
rate <- lambda0 * ifelse(arm == 1, hr, 1)
critical <- qchisq(0.95, 1)
rejected <- 0
start <- proc.time()[["elapsed"]]
for (r in seq_len(reps)) {
  available <- 12 + 12 * runif(n)
  t <- rexp(n, rate)
  time <- pmin(t, available)
  status <- as.integer(t <= available)
  if (survdiff(Surv(time, status) ~ arm)$chisq > critical) rejected <- rejected + 1
}
elapsed <- proc.time()[["elapsed"]] - start
cat(elapsed, rejected / reps, "\n")
R
read -r r_seconds r_power < <(Rscript "$work/bench.R" "$r_reps")

python3 - "$reps" "$t1" "$t2" "$r_reps" "$r_seconds" "$sf_power" "$r_power" "$same" <<'PY'
import sys
reps, t1, t2, r_reps, r_s, sf_power, r_power, same = sys.argv[1:]
reps, t1, t2, r_reps, r_s = int(reps), float(t1), float(t2), int(r_reps), float(r_s)
rate1, rate2, rate_r = reps / t1, reps / t2, r_reps / r_s
speedup = rate2 / rate1
ratio = rate1 / rate_r
def mark(ok): return "met" if ok else "MISSED"
print()
print(f"simulation: {reps:,} replicates x 400 patients, log-rank (HR 0.7, median 6, accrual 12, follow-up 12)")
print("| run | seconds | replicates/s | per core | target |")
print("|---|---|---|---|---|")
print(f"| studyflow simulate/trial, 1 thread | {t1:.3f} | {rate1:,.0f} | {rate1:,.0f} | >= 20,000/s per core: {mark(rate1 >= 20000)} |")
print(f"| studyflow simulate/trial, 2 threads | {t2:.3f} | {rate2:,.0f} | {rate2 / 2:,.0f} | speed-up {speedup:.2f}x, >= 1.8x: {mark(speedup >= 1.8)} |")
print(f"| R 4 rexp + survdiff loop ({r_reps:,} replicates) | {r_s:.3f} | {rate_r:,.0f} | {rate_r:,.0f} | |")
print(f"| studyflow 1 thread / R | | {ratio:,.1f}x | | >= 50x: {mark(ratio >= 50)} |")
print(f"power: studyflow {float(sf_power):.4f}, R {float(r_power):.4f} (Monte Carlo SE about 0.005); 1- and 2-thread outputs identical: {same}")
PY
[ "$same" = yes ]
