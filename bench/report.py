#!/usr/bin/env python3
"""Turn the raw files that bench/run.sh leaves in RAW into one table on stdout
and one JSON file.

Usage: report.py RAW OUT_JSON

RAW holds, per shape S, size N, scenario C and tool T:
  S-N-C-T.json     hyperfine --export-json output
  S-N-C-T.failed   present when that measurement failed
  S-N-C-T.rss      peak RSS lines from /usr/bin/time -f %M (KiB)
  S-N.meta.json    bench-meta.json written by gen.py
  S-N.checks       lines "PHASE TOOL ok|mismatch" comparing out/ with ninja's
and settings.tsv, tools.tsv (KEY<TAB>VALUE lines) written by run.sh.
"""

import datetime
import glob
import json
import os
import platform
import re
import sys

TOOLS = ("ninja", "make", "studyflow")
SCENARIOS = [
    ("cold", "cold -j2"),
    ("noop", "no-op"),
    ("changed", "1 input changed"),
    ("touch", "touch only"),
    ("dry", "dry run"),
]
SHAPE_ORDER = {"chain": 0, "wide": 1, "layered": 2}
TARGET_N = 10000

# Targets from the issue. RSS: 60 MB read as 60 MiB = 61,440 KiB.
NOOP_MAX_X_NINJA = 1.5
DRY_MAX_MS = 300.0
COLD_MAX_X_MAKE = 1.15
RSS_MAX_KIB = 60 * 1024


def read_tsv(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if "\t" in line:
                    k, v = line.split("\t", 1)
                    out[k] = v
    return out


def ms(x):
    return None if x is None else x * 1000.0


def load(raw):
    """Return (cases, measurements, rss, checks)."""
    cases = {}  # (shape, n) -> meta
    for path in glob.glob(os.path.join(raw, "*.meta.json")):
        with open(path) as f:
            meta = json.load(f)
        cases[(meta["shape"], int(meta["stages"]))] = meta
    measurements = {}  # (shape, n, scenario, tool) -> dict
    rss = {}  # (shape, n, scenario, tool) -> KiB
    for (shape, n) in cases:
        for scen, _ in SCENARIOS:
            for tool in TOOLS:
                base = os.path.join(raw, "%s-%d-%s-%s" % (shape, n, scen, tool))
                rec = None
                if os.path.exists(base + ".failed"):
                    rec = {"ok": False}
                elif os.path.exists(base + ".json"):
                    with open(base + ".json") as f:
                        r = json.load(f)["results"][0]
                    rec = {
                        "ok": True,
                        "command": r["command"],
                        "mean_ms": ms(r["mean"]),
                        "stddev_ms": ms(r.get("stddev")),
                        "median_ms": ms(r.get("median")),
                        "min_ms": ms(r.get("min")),
                        "max_ms": ms(r.get("max")),
                        "user_ms": ms(r.get("user")),
                        "system_ms": ms(r.get("system")),
                        "runs": len(r.get("times", [])),
                        "times_ms": [ms(t) for t in r.get("times", [])],
                    }
                if rec is not None:
                    measurements[(shape, n, scen, tool)] = rec
                if os.path.exists(base + ".rss"):
                    vals = []
                    with open(base + ".rss") as f:
                        for line in f:
                            line = line.strip()
                            if re.fullmatch(r"\d+", line):
                                vals.append(int(line))
                    if vals:
                        rss[(shape, n, scen, tool)] = max(vals)
    checks = {}
    for (shape, n) in cases:
        path = os.path.join(raw, "%s-%d.checks" % (shape, n))
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3:
                        checks.setdefault((shape, n), []).append(
                            {"phase": parts[0], "tool": parts[1], "status": parts[2]})
    return cases, measurements, rss, checks


def mean(measurements, key):
    rec = measurements.get(key)
    if rec and rec.get("ok"):
        return rec["mean_ms"]
    return None


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_ms(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def fmt_cell(measurements, key):
    rec = measurements.get(key)
    if rec is None:
        return "-"
    if not rec.get("ok"):
        return "FAILED"
    sd = rec["stddev_ms"]
    return "%s ± %s" % (fmt_ms(rec["mean_ms"]), fmt_ms(sd) if sd is not None else "?")


def fmt_x(r):
    return "-" if r is None else "%.2fx" % r


def fmt_mib(kib):
    return "-" if kib is None else "%.1f" % (kib / 1024.0)


def table(headers, rows, right_from=1):
    widths = [len(h) for h in headers]
    for row in rows:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))

    def line(cells):
        out = []
        for i, c in enumerate(cells):
            out.append(c.rjust(widths[i]) if i >= right_from else c.ljust(widths[i]))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def evaluate_targets(cases, measurements, rss):
    """One entry per target: evaluated at N=10000 if measured, else at the
    largest N measured (then marked provisional)."""
    sizes = sorted({n for (_, n) in cases})
    if not sizes:
        return []
    n_eval = TARGET_N if TARGET_N in sizes else sizes[-1]
    shapes = sorted({s for (s, n) in cases if n == n_eval}, key=lambda s: SHAPE_ORDER.get(s, 9))
    targets = []

    def add(name, limit_text, per_shape):
        vals = [v for v in per_shape if v["value"] is not None]
        if not vals or len(vals) < len(per_shape):
            status = "n/a"
            passed = None
        else:
            passed = all(v["pass"] for v in vals)
            status = "PASS" if passed else "MISS"
        targets.append({
            "target": name,
            "limit": limit_text,
            "n": n_eval,
            "provisional": n_eval != TARGET_N,
            "pass": passed,
            "status": status,
            "per_shape": per_shape,
        })

    per = []
    for s in shapes:
        r = ratio(mean(measurements, (s, n_eval, "noop", "studyflow")),
                  mean(measurements, (s, n_eval, "noop", "ninja")))
        per.append({"shape": s, "value": r, "unit": "x ninja",
                    "pass": r is not None and r <= NOOP_MAX_X_NINJA})
    add("no-op rerun <= 1.5 x ninja", "%.2fx" % NOOP_MAX_X_NINJA, per)

    per = []
    for s in shapes:
        v = mean(measurements, (s, n_eval, "dry", "studyflow"))
        per.append({"shape": s, "value": v, "unit": "ms",
                    "pass": v is not None and v <= DRY_MAX_MS})
    add("dry run <= 300 ms", "%.0f ms" % DRY_MAX_MS, per)

    per = []
    for s in shapes:
        r = ratio(mean(measurements, (s, n_eval, "cold", "studyflow")),
                  mean(measurements, (s, n_eval, "cold", "make")))
        per.append({"shape": s, "value": r, "unit": "x make",
                    "pass": r is not None and r <= COLD_MAX_X_MAKE})
    add("cold -j2 <= 1.15 x make", "%.2fx" % COLD_MAX_X_MAKE, per)

    per = []
    for s in shapes:
        vals = [rss.get((s, n_eval, sc, "studyflow")) for sc in ("cold", "noop")]
        v = None if any(x is None for x in vals) else max(vals)
        per.append({"shape": s, "value": v, "unit": "KiB",
                    "pass": v is not None and v <= RSS_MAX_KIB})
    add("studyflow peak RSS <= 60 MiB", "%d KiB" % RSS_MAX_KIB, per)
    return targets


def fmt_target_value(v):
    if v["value"] is None:
        return "%s -" % v["shape"]
    if v["unit"] == "ms":
        return "%s %s ms" % (v["shape"], fmt_ms(v["value"]))
    if v["unit"] == "KiB":
        return "%s %s MiB" % (v["shape"], fmt_mib(v["value"]))
    return "%s %.2fx" % (v["shape"], v["value"])


def machine_info():
    info = {
        "hostname": platform.node(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_kib"] = int(line.split()[1])
                    break
    except OSError:
        pass
    try:
        info["loadavg_end"] = os.getloadavg()
    except OSError:
        pass
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return info


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: report.py RAW OUT_JSON\n")
        return 2
    raw, out_json = argv[1], argv[2]
    cases, measurements, rss, checks = load(raw)
    settings = read_tsv(os.path.join(raw, "settings.tsv"))
    tools = read_tsv(os.path.join(raw, "tools.tsv"))
    order = sorted(cases, key=lambda k: (k[1], SHAPE_ORDER.get(k[0], 9), k[0]))

    # Timing table.
    headers = ["shape", "N", "changed", "scenario", "ninja ms", "make ms", "studyflow ms",
               "make/ninja", "sf/ninja", "sf/make"]
    rows = []
    for (shape, n) in order:
        meta = cases[(shape, n)]
        for scen, label in SCENARIOS:
            keys = [(shape, n, scen, t) for t in TOOLS]
            if not any(k in measurements for k in keys):
                continue
            nj, mk, sf = (mean(measurements, k) for k in keys)
            rows.append([
                shape, str(n),
                str(meta.get("downstream", "")) if scen in ("changed", "touch") else "",
                label,
                fmt_cell(measurements, keys[0]),
                fmt_cell(measurements, keys[1]),
                fmt_cell(measurements, keys[2]),
                fmt_x(ratio(mk, nj)), fmt_x(ratio(sf, nj)), fmt_x(ratio(sf, mk)),
            ])
    print()
    print("## Timings (mean ± stddev, ms; ratios of means; 'changed' = stages downstream)")
    print()
    print(table(headers, rows, right_from=4))

    # RSS table.
    rows = []
    for (shape, n) in order:
        for scen, label in (("cold", "cold -j2"), ("noop", "no-op")):
            vals = [rss.get((shape, n, scen, t)) for t in TOOLS]
            if all(v is None for v in vals):
                continue
            rows.append([shape, str(n), label] + [fmt_mib(v) for v in vals] + [fmt_x(ratio(vals[2], vals[0]))])
    if rows:
        print()
        print("## Peak RSS (MiB, /usr/bin/time %M: largest single process in the tool's tree)")
        print()
        print(table(["shape", "N", "scenario", "ninja", "make", "studyflow", "sf/ninja"], rows, right_from=3))

    # Targets.
    targets = evaluate_targets(cases, measurements, rss)
    if targets:
        print()
        print("## Targets")
        print()
        rows = []
        for t in targets:
            status = t["status"] + ("*" if t["provisional"] and t["status"] != "n/a" else "")
            rows.append([t["target"], "N=%d" % t["n"], ", ".join(fmt_target_value(v) for v in t["per_shape"]), status])
        print(table(["target", "at", "studyflow (per shape)", "status"], rows, right_from=9))
        if any(t["provisional"] for t in targets):
            print("* N=%d was not measured; shown at N=%d, the largest N run."
                  % (TARGET_N, targets[0]["n"]))

    problems = []
    for key, rec in sorted(measurements.items()):
        if not rec.get("ok"):
            problems.append("measurement failed: %s %d %s %s" % key)
    for (shape, n), lst in sorted(checks.items()):
        for c in lst:
            if c["status"] != "ok":
                problems.append("out/ of %s differs from the first tool's: %s %d after %s" % (c["tool"], shape, n, c["phase"]))
    if problems:
        print()
        print("## Problems")
        for p in problems:
            print("- " + p)

    doc = {
        "schema": 1,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "tools": tools,
        "settings": settings,
        "units": {"time": "ms", "rss": "KiB"},
        "cases": [cases[k] for k in order],
        "measurements": [
            dict({"shape": k[0], "n": k[1], "scenario": k[2], "tool": k[3]}, **measurements[k])
            for k in sorted(measurements, key=lambda k: (k[1], SHAPE_ORDER.get(k[0], 9), k[0],
                                                         [s for s, _ in SCENARIOS].index(k[2]),
                                                         TOOLS.index(k[3])))
        ],
        "rss": [
            {"shape": k[0], "n": k[1], "scenario": k[2], "tool": k[3], "peak_rss_kib": v}
            for k, v in sorted(rss.items(), key=lambda kv: (kv[0][1], SHAPE_ORDER.get(kv[0][0], 9), kv[0][0],
                                                             kv[0][2], TOOLS.index(kv[0][3])))
        ],
        "ratios": [
            {"shape": s, "n": n, "scenario": sc,
             "make_over_ninja": ratio(mean(measurements, (s, n, sc, "make")), mean(measurements, (s, n, sc, "ninja"))),
             "studyflow_over_ninja": ratio(mean(measurements, (s, n, sc, "studyflow")), mean(measurements, (s, n, sc, "ninja"))),
             "studyflow_over_make": ratio(mean(measurements, (s, n, sc, "studyflow")), mean(measurements, (s, n, sc, "make")))}
            for (s, n) in order for sc, _ in SCENARIOS
        ],
        "checks": [dict({"shape": s, "n": n}, **c) for (s, n) in order for c in checks.get((s, n), [])],
        "targets": targets,
        "problems": problems,
    }
    os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
    tmp = out_json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, out_json)
    print()
    print("wrote %s" % out_json)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
