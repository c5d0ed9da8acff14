#!/usr/bin/env python3
"""lifelines anchors for the survival benchmark: times Kaplan-Meier by stage, the k-group
log-rank test and CoxPHFitter (Efron, all covariates, convergence tightened so its coefficients
can be compared with R's) on a cohort from gen.py; writes CPU and wall seconds as JSON.

usage: anchors_lifelines.py COHORT.csv REPEATS OUT.json
"""
import gc
import json
import sys
import time

import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test


def timed(repeats, f):
    cpu, wall, value = [], [], None
    for _ in range(repeats):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        value = f()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu": cpu, "wall": wall}, value


def main() -> None:
    path, repeats, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    d = pd.read_csv(path, dtype={"stage": str})

    def km():
        fits = []
        for level, part in d.groupby("stage", sort=True):
            fits.append(KaplanMeierFitter().fit(part["time"], part["status"], label=level))
        return fits

    def logrank():
        return multivariate_logrank_test(d["time"], d["stage"], d["status"])

    design = pd.get_dummies(d, columns=["stage"], drop_first=True, dtype=float)

    def cox():
        return CoxPHFitter().fit(design, duration_col="time", event_col="status",
                                 fit_options={"precision": 1e-12, "r_precision": 1e-12, "max_steps": 100})

    km_t, _ = timed(repeats, km)
    lr_t, lr = timed(repeats, logrank)
    cox_t, fit = timed(repeats, cox)
    coef = {name.replace("stage_", "stage="): float(v) for name, v in fit.params_.items()}
    lr_t["chisq"] = float(lr.test_statistic)
    cox_t["coef"] = coef
    with open(out, "w") as f:
        json.dump({"rows": len(d), "km": km_t, "logrank": lr_t, "cox": cox_t}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
