#!/usr/bin/env python3
"""Sets R's numbers (flagship.R's "key<TAB>value" lines on stdin) beside StudyFlow's JSON results
and exits 1 when any differs beyond the survival issue's tolerances (KM medians exact, log-rank
1e-9 relative, Cox 1e-6 relative, concordance 1e-9, cox.zph 1e-5 relative)."""
import json
import math
import re
import sys

RESULTS = sys.argv[1] if len(sys.argv) > 1 else "results/liver-metastasis"
FILES = {
    "imvigor_km": "imvigor210/km-liver.json", "imvigor_km_sites": "imvigor210/km-sites.json",
    "imvigor_logrank": "imvigor210/logrank-liver.json", "imvigor_logrank_sites": "imvigor210/logrank-sites.json",
    "imvigor_cox": "imvigor210/cox-liver.json", "imvigor_cox_adjusted": "imvigor210/cox-liver-adjusted.json",
    "msk_km": "msk/km-liver.json", "msk_logrank": "msk/logrank-liver.json",
    "msk_cox": "msk/cox-liver.json", "msk_cox_adjusted": "msk/cox-liver-adjusted.json",
}
for g in ["four", "nsclc", "melanoma", "bladder", "rcc", "pd1", "combo"]:
    FILES[f"msk_cox_{g}"] = f"msk/cox-liver-{g}.json"


def ours(stage, field, group):
    d = json.load(open(f"{RESULTS}/{FILES[stage]}"))
    if d["kind"].endswith("kaplan-meier"):
        c = next(c for c in d["curves"] if c["group"] == group)
        return {"median": c["median"]["estimate"], "median_lower": c["median"]["lower"],
                "median_upper": c["median"]["upper"], "n": c["n"], "events": c["events"]}[field]
    if d["kind"].endswith("log-rank"):
        return d[field]
    t = next(t for t in d["terms"] if t["term"].startswith("liver_status="))
    return {"coef": t["coef"], "se": t["se"], "hr_lower": t["hr_lower"], "hr_upper": t["hr_upper"], "p": t["p"],
            "loglik_fit": d["loglik"]["fit"], "lr": d["tests"]["likelihood_ratio"]["statistic"],
            "concordance": d["concordance"]["estimate"],
            "ph_global_chisq": (d.get("ph_test") or {}).get("global", {}).get("chisq")}[field]


def tolerance(field):
    return {"median": 0, "median_lower": 0, "median_upper": 0, "n": 0, "events": 0,
            "statistic": 1e-9, "concordance": 1e-9, "ph_global_chisq": 1e-5}.get(field, 1e-6)


worst, worst_key, failed, count = 0.0, "", [], 0
for line in sys.stdin:
    key, value = line.rstrip("\n").split("\t")
    m = re.fullmatch(r"(\w+?)\.(\w+)(?:\[(.*)\])?", key)
    stage, field, group = m.group(1), m.group(2), m.group(3)
    r = None if value == "NA" else float(value)
    s = ours(stage, field, group)
    count += 1
    if r is None or s is None:
        if (r is None) != (s is None):
            failed.append(f"{key}: R {value}, StudyFlow {s}")
        continue
    rel = abs(r - s) / max(abs(r), 1e-300) if r != 0 else abs(s)
    if field == "p" and abs(r - s) < 1e-12:
        rel = 0.0
    if rel > worst:
        worst, worst_key = rel, key
    if rel > tolerance(field):
        failed.append(f"{key}: R {r!r}, StudyFlow {s!r} (relative difference {rel:.3g})")
print(f"check-with-r: {count} numbers compared with R survival; largest relative difference {worst:.3g} ({worst_key})")
for f in failed:
    print("  DIFFERS " + f)
sys.exit(1 if failed else 0)
