#!/usr/bin/env python3
"""Survival-breadth benchmark driver (issue 20, items 7 and 8): in one run, through the real
`studyflow` binary on generated workflows and beside R on the same files,
  (a) ingest/csv of the ROWS-row cohort (target: <= 0.5 s; the stage's CPU and wall are each
      printed beside it),
  (b) one `studyflow run` reading the raw cohort and fitting Cox (target: <= 1 s; the whole
      process's CPU and wall are each printed beside it),
  (c) a ROWS-row Cox fit with `cluster: id` (robust variance), and the same model at
      CLUSTER_CHECK_ROWS rows, where R finishes, to check our robust SE against R's,
  (d) a CR_ROWS-row competing-risks estimate (survival/cumulative-incidence with Gray's test).
R's `coxph(cluster = id)` at ROWS rows runs under a CPU limit (BENCH_BREADTH_R_CPU_LIMIT seconds,
default 120) and one repeat: survival 3.5-3 (Debian's) computes the score residuals behind the
robust variance in C code (`coxscore2`) that, for Efron ties, loops over the whole risk set for
every event, so its time grows as rows² whatever the clusters (measured 2026-12-07: 0.47 s CPU at
10,000 rows, 4.4 s at 30,000, 51 s at 100,000, while the same model without `cluster` takes 0.7 s
at 100,000; with Breslow ties, which loop once per distinct event time, 0.42 s at 30,000). R that
does not finish in the limit is printed as such, with the rows² projection from the check size,
never as a time.
A kind or setting the binary lacks (`studyflow validate` refuses the workflow) is printed as
"not available" rather than failing the run.

usage: breadth.py STUDYFLOW WORKDIR
environment: BENCH_SURVIVAL_REPEATS (default 3), BENCH_BREADTH_ROWS (default 1000000),
             BENCH_BREADTH_CR_ROWS (default 100000), BENCH_BREADTH_CLUSTER_CHECK_ROWS (default 30000),
             BENCH_BREADTH_R_CPU_LIMIT (default 120), BENCH_BREADTH_R=0 (skip R),
             BENCH_BREADTH_TASKS (a comma-separated subset: ingest, readcox, cluster, competing)

Exit status 1 when a measurement that is available could not be made, or when StudyFlow's Cox
coefficients (and robust standard errors) differ from R's by more than 1e-6 relative, or its
final cumulative incidences from R's by more than 1e-8; a missed speed target is reported, not
failed.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import INGEST_STAGE, REPEATS, phase_times, run, workspace  # noqa: E402  (the survival section's helpers)

ROWS = int(os.environ.get("BENCH_BREADTH_ROWS", "1000000"))
CR_ROWS = int(os.environ.get("BENCH_BREADTH_CR_ROWS", "100000"))
CLUSTER_CHECK_ROWS = int(os.environ.get("BENCH_BREADTH_CLUSTER_CHECK_ROWS", "30000"))
R_CPU_LIMIT = int(os.environ.get("BENCH_BREADTH_R_CPU_LIMIT", "120"))
WITH_R = os.environ.get("BENCH_BREADTH_R", "1") != "0"
# A subset of the tasks (comma-separated: ingest, readcox, cluster, competing), for a quick look.
ONLY = set(filter(None, os.environ.get("BENCH_BREADTH_TASKS", "").split(",")))

COX = "{{time: time, event: status, covariates: [sex, treated, age, marker, stage], ties: efron"

WORKFLOWS = {
    "ingest": "name: breadth-ingest\nstages:\n" + INGEST_STAGE,
    "readcox": """name: breadth-readcox
stages:
  cox:
    uses: survival/cox
    inputs: {{table: {cohort}}}
    with: """ + COX + """}}
    outputs: {{result: results/cox.json}}
""",
    "cluster": """name: breadth-cluster
stages:
  cox:
    uses: survival/cox
    inputs: {{table: {cohort}}}
    with: """ + COX + """, cluster: id}}
    outputs: {{result: results/cox.json}}
""",
    "competing": """name: breadth-competing
stages:
  cif:
    uses: survival/cumulative-incidence
    inputs: {{table: {cohort}}}
    with: {{time: time, event: event, group: group}}
    outputs: {{result: results/cif.json}}
""",
}


def cohort(work, kind, rows):
    """The generated cohort file (made once, kept for later runs)."""
    path = os.path.join(work, f"{kind}-{rows}.csv")
    if not os.path.exists(path):
        if kind == "cohort":
            cmd = [sys.executable, os.path.join(HERE, "gen.py"), str(rows), path + ".tmp"]
        else:
            cmd = [sys.executable, os.path.join(HERE, "gen_breadth.py"), kind, str(rows), path + ".tmp"]
        run(cmd)
        os.replace(path + ".tmp", path)
    return path


def available(studyflow, ws):
    """None when `studyflow validate` accepts the workflow, else its first complaint."""
    p = subprocess.run([studyflow, "validate", "-C", ws], capture_output=True, text=True)
    if p.returncode == 0:
        return None
    lines = [l for l in (p.stderr + p.stdout).splitlines() if "error" in l] or (p.stderr + p.stdout).splitlines()
    return lines[0].split("error: ", 1)[-1][:110] if lines else f"validate exited {p.returncode}"


def measure(studyflow, ws):
    """Per repeat: the whole process's CPU (user + sys) and wall seconds, and the single stage's
    wall seconds (`run --json`) and thread-CPU phases (its log)."""
    cpu, wall, stage_wall, phases = [], [], [], []
    for _ in range(REPEATS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = run([studyflow, "run", "-C", ws, "--json", "-j", "1", "--force-all"])
        wall.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        for line in out.splitlines():
            event = json.loads(line)
            if event.get("event") == "stage":
                if event["status"] != "ran":
                    sys.exit(f"bench: breadth: stage {event['stage']} {event['status']}")
                stage_wall.append(event["seconds"])
                phases.append(phase_times(event["log"]) if "log" in event else {})
    return {"cpu": cpu, "wall": wall, "stage_wall": stage_wall, "phases": phases}


def r_anchor(task, path, work, cpu_limit=None):
    """R's times (and numbers) for `task` on `path`; with `cpu_limit`, one repeat under that many
    CPU seconds (RLIMIT_CPU), and {"timeout": limit, "wall": [...]} when R was stopped by it."""
    if not WITH_R:
        return None
    out = os.path.join(work, f"r-{task}-{os.path.basename(path)}.json")
    if os.path.exists(out):
        os.remove(out)
    cmd = ["Rscript", os.path.join(HERE, "breadth.R"), task, path, "1" if cpu_limit else str(REPEATS), out]
    if cpu_limit is None:
        run(cmd)
    else:
        def limit():
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit))
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=limit)
        wall = time.perf_counter() - t0
        if p.returncode != 0 and not os.path.exists(out):
            if p.returncode in (-9, -24, 128 + 9, 128 + 24, 152, 137):  # SIGKILL / SIGXCPU
                return {"timeout": cpu_limit, "wall": [wall]}
            sys.exit(f"bench: breadth: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    with open(out) as f:
        return json.load(f)


def rel(ours, reference):
    """Largest relative difference over the reference's names (absolute near 0); inf when one is missing."""
    worst = 0.0
    for name, r in reference.items():
        if ours.get(name) is None:
            return float("inf")
        worst = max(worst, abs(ours[name] - r) / max(abs(r), 1e-3))
    return worst


def cox_check(ws, r, robust):
    with open(os.path.join(ws, "results", "cox.json")) as f:
        terms = json.load(f)["terms"]
    diff = rel({t["term"]: t["coef"] for t in terms}, r["coef"])
    note = f"coef vs R {diff:.1e}"
    if robust:
        se = rel({t["term"]: t.get("robust_se") for t in terms}, r["robust_se"])
        diff = max(diff, se)
        note += f", robust_se vs R {se:.1e}"
    return diff <= 1e-6, note


def cif_check(ws, r):
    """Final estimate per (group, event) against R's survfit; the layout is the issue's
    `curves: [{group, event, steps: [{time, estimate, …}]}]`."""
    with open(os.path.join(ws, "results", "cif.json")) as f:
        curves = json.load(f).get("curves", [])
    ours = {(str(c.get("group")), str(c.get("event"))): c["steps"][-1]["estimate"] for c in curves if c.get("steps")}
    worst = 0.0
    for f in r["final"]:
        mine = ours.get((f["group"], f["event"]))
        if mine is None:
            return False, f"no curve for group {f['group']}, event {f['event']}"
        worst = max(worst, abs(mine - f["estimate"]))
    return worst <= 1e-8, f"final estimates vs R max abs diff {worst:.1e}"


def timeout_note(r, n, rows):
    """Why the R column is empty: the limit it hit and the rows² projection from the check size."""
    note = f"R did not finish: stopped at its {r['timeout']} s CPU limit"
    check = next((x for x in rows if x["task"] == "cluster" and x["n"] == CLUSTER_CHECK_ROWS and x.get("r")
                  and "cpu" in x["r"]), None)
    if check:
        small = statistics.median(check["r"]["cpu"])
        note += (f"; R took {small:.2f} s CPU at {CLUSTER_CHECK_ROWS} rows, rows² projects "
                 f"{small * (n / CLUSTER_CHECK_ROWS) ** 2:.0f} s here (survival 3.5-3's Efron score residuals)")
    return note


def mm(xs):
    return f"{min(xs):.3f}/{statistics.median(xs):.3f}" if xs else "-"


def main():
    studyflow, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    big = cohort(work, "cohort", ROWS)
    tasks = [("ingest", big, ROWS), ("readcox", big, ROWS),
             ("cluster", cohort(work, "clustered", CLUSTER_CHECK_ROWS), CLUSTER_CHECK_ROWS),
             ("cluster", cohort(work, "clustered", ROWS), ROWS),
             ("competing", cohort(work, "competing", CR_ROWS), CR_ROWS)]
    rows, failed = [], False
    for task, path, n in tasks:
        if ONLY and task not in ONLY:
            continue
        ws = os.path.join(work, f"ws-{task}-{n}")
        workspace(ws, WORKFLOWS[task].format(cohort=os.path.abspath(path)))
        missing = available(studyflow, ws)
        if missing:
            rows.append({"task": task, "n": n, "missing": missing})
            continue
        ours = measure(studyflow, ws)
        slow_r = task == "cluster" and n > CLUSTER_CHECK_ROWS
        r = r_anchor(task, path, work, cpu_limit=R_CPU_LIMIT if slow_r else None)
        ok, note = True, ""
        if r and "timeout" in r:
            note = timeout_note(r, n, rows)
        elif r and task in ("readcox", "cluster"):
            ok, note = cox_check(ws, r, robust=task == "cluster")
        elif r and task == "competing":
            ok, note = cif_check(ws, r)
        failed |= not ok
        rows.append({"task": task, "n": n, "ours": ours, "r": r, "ok": ok, "note": note})
    with open(os.path.join(work, "breadth-results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print_table(rows)
    if failed:
        print("survival breadth: FAIL: StudyFlow's numbers differ from R's beyond the tolerance")
        sys.exit(1)


# Phases logged on a line of their own that lie inside a stage's `compute` phase.
NESTED = {"cox model (design + fit)", "km fit", "log-rank test"}

LABELS = {"ingest": "ingest/csv", "readcox": "read + cox", "cluster": "cox cluster", "competing": "cum. incid."}


def print_table(rows):
    print()
    print(f"Survival breadth: StudyFlow beside R on the same files, seconds min/median of {REPEATS} "
          "(the machine may be shared)")
    print("  process: the whole `studyflow run` (CPU = user + sys, wall); stage: its thread-CPU phases and wall.")
    print("  R: ingest = read.csv + write.csv; read + cox = read.csv + coxph; cox cluster = coxph(cluster = id);")
    print(f"  R's cox cluster above {CLUSTER_CHECK_ROWS} rows: one repeat under a {R_CPU_LIMIT} s CPU limit "
          "(its robust variance costs events × at-risk rows; see breadth.py).")
    print("  cum. incid. = survfit(Surv(time, factor(event)) ~ group) + cmprsk::cuminc (R's CPU is the sum).")
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"]
    print(f"  machine: {os.cpu_count()} cores, load average {' '.join(load)} at the start of the table; "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}")
    header = (f"{'task':<12} {'rows':>9} {'process CPU':>12} {'process wall':>12} {'stage CPU':>12} "
              f"{'stage wall':>12} {'R CPU':>12} {'R wall':>12}  target / check")
    print(header)
    print("-" * len(header))
    for row in rows:
        task, n = row["task"], row["n"]
        if "missing" in row:
            print(f"{LABELS[task]:<12} {n:>9} not available: {row['missing']}")
            continue
        o, r = row["ours"], row["r"]
        stage_cpu = [sum(v for k, v in p.items() if k not in NESTED) for p in o["phases"]]
        r_cpu, r_wall = r_times(task, r)
        r_cpu_text = f"> {r['timeout']}" if r and "timeout" in r else mm(r_cpu)
        target = ""
        if task == "ingest":
            target = verdict("stage CPU", min(stage_cpu), 0.5) + "; " + verdict("stage wall", min(o["stage_wall"]), 0.5)
        elif task == "readcox":
            target = verdict("process CPU", min(o["cpu"]), 1.0) + "; " + verdict("wall", min(o["wall"]), 1.0)
        check = f"{'; ' if target else ''}{row['note']} ({'ok' if row['ok'] else 'FAIL'})" if row["note"] else ""
        print(f"{LABELS[task]:<12} {n:>9} {mm(o['cpu']):>12} {mm(o['wall']):>12} {mm(stage_cpu):>12} "
              f"{mm(o['stage_wall']):>12} {r_cpu_text:>12} {mm(r_wall):>12}  {target}{check}")
        phases = o["phases"][0] if o["phases"] else {}
        if phases:
            print(f"{'':<12} {'':>9} phases (first run): " + ", ".join(f"{k} {v:.3f}" for k, v in phases.items()))


def verdict(what, seconds, limit):
    """`stage CPU 0.43 s ≤ 0.5 s: met`: one measure beside its target (best of the repeats)."""
    return f"{what} {seconds:.2f} s ≤ {limit:g} s: {'met' if seconds <= limit else 'MISSED'}"


def r_times(task, r):
    if not r:
        return [], []
    if "timeout" in r:
        return [], r["wall"]
    if task == "competing":
        return ([a + b for a, b in zip(r["aj"]["cpu"], r["gray"]["cpu"])],
                [a + b for a, b in zip(r["aj"]["wall"], r["gray"]["wall"])])
    return r["cpu"], r["wall"]


if __name__ == "__main__":
    main()
