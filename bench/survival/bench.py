#!/usr/bin/env python3
"""Survival benchmark driver: StudyFlow's ingest/csv, survival/kaplan-meier, survival/log-rank and
survival/cox (through the real `studyflow` binary on generated workflows) beside R's survfit,
survdiff and coxph and lifelines on the same seeded cohorts; prints one table with the ratios
beside the targets of issue 3, item 10.

usage: bench.py STUDYFLOW WORKDIR VENV_PYTHON SIZE...
environment: BENCH_SURVIVAL_REPEATS (default 3)

Exit status 1 when a measurement could not be made or StudyFlow's Cox coefficients differ from
R's by more than 1e-6 (relative, absolute near 0); a missed speed target is reported, not failed.
"""
import json
import re
import resource
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPEATS = int(os.environ.get("BENCH_SURVIVAL_REPEATS", "3"))

# The ingest stage of the bench cohort (a format string: {cohort}); breadth.py times it alone.
INGEST_STAGE = """  ingest:
    uses: ingest/csv
    inputs: {{table: {cohort}}}
    with:
      columns:
        time: {{type: number}}
        status: {{type: integer}}
        sex: {{type: integer}}
        treated: {{type: integer}}
        age: {{type: number}}
        marker: {{type: number}}
        stage: {{type: category}}
    outputs: {{table: results/table.csv, summary: results/summary.json}}
"""

WORKFLOW = """name: survival-bench
stages:
""" + INGEST_STAGE + """  km:
    uses: survival/kaplan-meier
    inputs: {{table: results/table.csv}}
    with: {{time: time, event: status, group: stage}}
    outputs: {{result: results/km.json}}
  logrank:
    uses: survival/log-rank
    inputs: {{table: results/table.csv}}
    with: {{time: time, event: status, group: stage}}
    outputs: {{result: results/logrank.json}}
  cox:
    uses: survival/cox
    inputs: {{table: results/table.csv}}
    with: {{time: time, event: status, covariates: [sex, treated, age, marker, stage], ties: efron}}
    outputs: {{result: results/cox.json}}
"""

WHOLE = """name: survival-whole
stages:
  cox:
    uses: survival/cox
    inputs: {{table: {cohort}}}
    with: {{time: time, event: status, covariates: [sex, treated, age, marker, stage], ties: efron}}
    outputs: {{result: results/cox.json}}
"""


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"bench: survival: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p.stdout


def workspace(path, text):
    os.makedirs(os.path.join(path, "Workflows"), exist_ok=True)
    with open(os.path.join(path, "Workflows", "bench.yaml"), "w") as f:
        f.write(text)


TIMING = re.compile(r"timing \(thread cpu\): (.*)$")


def phase_times(log_path):
    """Thread-CPU seconds per phase from a stage log's `timing (thread cpu): ...` lines."""
    phases = {}
    with open(log_path) as f:
        for line in f:
            m = TIMING.search(line.strip())
            if not m:
                continue
            for part in m.group(1).split(", "):
                name, seconds, _ = part.rsplit(" ", 2)
                phases[name] = float(seconds)
    return phases


def studyflow_times(studyflow, ws):
    """Per repeat: each stage's wall seconds (from `run --json`) and thread-CPU phases (from its
    log), and the whole process's CPU (user + sys) and wall seconds."""
    stages, whole_cpu, whole_wall = {}, [], []
    for _ in range(REPEATS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = run([studyflow, "run", "-C", ws, "--json", "-j", "1", "--force-all"])
        whole_wall.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        whole_cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        for line in out.splitlines():
            event = json.loads(line)
            if event.get("event") == "stage":
                if event["status"] != "ran":
                    sys.exit(f"bench: survival: stage {event['stage']} {event['status']}")
                entry = stages.setdefault(event["stage"], {"wall": [], "phases": []})
                entry["wall"].append(event["seconds"])
                entry["phases"].append(phase_times(event["log"]) if "log" in event else {})
    return stages, whole_cpu, whole_wall


def compare(ours, reference, tolerance=1e-6):
    worst = 0.0
    for name, r in reference.items():
        if name not in ours:
            return float("inf"), f"term {name} missing"
        diff = abs(ours[name] - r) / max(abs(r), 1e-3)
        worst = max(worst, diff)
    return worst, None


def main():
    studyflow, work, venv_python, sizes = sys.argv[1], sys.argv[2], sys.argv[3], [int(s) for s in sys.argv[4:]]
    rows = []
    failed = False
    for n in sizes:
        cohort = os.path.join(work, f"cohort-{n}.csv")
        if not os.path.exists(cohort):
            run([sys.executable, os.path.join(HERE, "gen.py"), str(n), cohort + ".tmp"])
            os.replace(cohort + ".tmp", cohort)
        ws = os.path.join(work, f"ws-{n}")
        workspace(ws, WORKFLOW.format(cohort=os.path.abspath(cohort)))
        stages, _, _ = studyflow_times(studyflow, ws)
        whole_ws = os.path.join(work, f"whole-{n}")
        workspace(whole_ws, WHOLE.format(cohort=os.path.abspath(cohort)))
        _, whole_cpu, whole_wall = studyflow_times(studyflow, whole_ws)
        with open(os.path.join(ws, "results", "cox.json")) as f:
            cox = json.load(f)
        ours = {t["term"]: t["coef"] for t in cox["terms"]}
        r_json = os.path.join(work, f"r-{n}.json")
        run(["Rscript", os.path.join(HERE, "anchors.R"), cohort, str(REPEATS), r_json])
        l_json = os.path.join(work, f"lifelines-{n}.json")
        run([venv_python, os.path.join(HERE, "anchors_lifelines.py"), cohort, str(REPEATS), l_json])
        with open(r_json) as f:
            r = json.load(f)
        with open(l_json) as f:
            lifelines = json.load(f)
        r_diff, r_problem = compare(ours, r["cox"]["coef"])
        l_diff, _ = compare(lifelines["cox"]["coef"], r["cox"]["coef"])
        if r_problem or r_diff > 1e-6:
            failed = True
        rows.append({"n": n, "stages": stages, "whole_cpu": whole_cpu, "whole_wall": whole_wall, "r": r, "lifelines": lifelines,
                     "coef_diff_r": r_diff, "coef_diff_lifelines": l_diff, "problem": r_problem})
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print_table(rows)
    if failed:
        print("survival: FAIL: StudyFlow's Cox coefficients differ from R's by more than 1e-6")
        sys.exit(1)


def mm(xs):
    return f"{min(xs):.3f}/{statistics.median(xs):.3f}"


def phase(stage, *names):
    """Per repeat, the sum of the named thread-CPU phases of a stage."""
    return [sum(p.get(n, 0.0) for n in names) for p in stage["phases"]]


def print_table(rows):
    print()
    print(f"Survival: StudyFlow vs R survival and lifelines, CPU seconds min/median of {REPEATS} "
          f"(the machine may be shared: CPU, not wall, is compared)")
    print("  studyflow ingest: the whole ingest/csv stage (read, type, write); km, log-rank: the fit on typed")
    print("  columns (as survfit/survdiff on a data frame); cox: design + fit + concordance (as coxph);")
    print("  read+cox: the whole `studyflow run` process of a one-stage workflow on the raw CSV.")
    print("  R: system.time() of survfit/survdiff/coxph; lifelines: process_time() of the fits.")
    header = (f"{'rows':>9}  {'task':<9} {'studyflow':>13} {'R':>13} {'lifelines':>13} "
              f"{'÷R':>7} {'÷lifel.':>7}  target at 1,000,000 rows")
    print(header)
    print("-" * len(header))
    for row in rows:
        n, s, r, l = row["n"], row["stages"], row["r"], row["lifelines"]

        def line(task, ours, rt, lt, target):
            ratio_r = min(ours) / min(rt) if rt else None
            ratio_l = min(ours) / min(lt) if lt else None
            fr = f"{ratio_r:7.3f}" if ratio_r is not None else f"{'':>7}"
            fl = f"{ratio_l:7.3f}" if ratio_l is not None else f"{'':>7}"
            verdict = target(ratio_r, ratio_l, min(ours)) if n == 1_000_000 else ""
            print(f"{n:>9}  {task:<9} {mm(ours):>13} {mm(rt) if rt else '':>13} {mm(lt) if lt else '':>13} "
                  f"{fr} {fl}  {verdict}")

        def verdict(ok, text):
            return f"{text}: {'met' if ok else 'MISSED'}"

        line("ingest", phase(s["ingest"], "read", "convert", "write"), None, None,
             lambda rr, rl, t: verdict(t <= 1.0, "≤ 1 s"))
        line("km", phase(s["km"], "km fit"), r["km"]["cpu"], l["km"]["cpu"],
             lambda rr, rl, t: verdict(rl <= 0.5, "≤ 0.5× lifelines"))
        line("log-rank", phase(s["logrank"], "log-rank test"), r["logrank"]["cpu"], l["logrank"]["cpu"],
             lambda rr, rl, t: verdict(rl <= 0.5, "≤ 0.5× lifelines"))
        line("cox", phase(s["cox"], "cox model (design + fit)"), r["cox"]["cpu"], l["cox"]["cpu"],
             lambda rr, rl, t: verdict(rr <= 0.1 and rl <= 0.25, "≤ 0.1× R and ≤ 0.25× lifelines"))
        line("read+cox", row["whole_cpu"], None, None, lambda rr, rl, t: verdict(t <= 2.0, "≤ 2 s CPU"))
        print(f"{'':>9}  {'':<9} wall: read+cox {mm(row['whole_wall'])} s; table read in each survival stage "
              f"{mm(phase(s['cox'], 'read'))} s CPU; cox stage compute incl. typing columns {mm(phase(s['cox'], 'compute'))} s")
        print(f"{'':>9}  {'':<9} cox coefficients vs R: max rel. diff {row['coef_diff_r']:.1e} (≤ 1e-6: "
              f"{'ok' if row['coef_diff_r'] <= 1e-6 else 'FAIL'}); lifelines vs R {row['coef_diff_lifelines']:.1e}"
              + (f"; {row['problem']}" if row["problem"] else ""))


if __name__ == "__main__":
    main()
