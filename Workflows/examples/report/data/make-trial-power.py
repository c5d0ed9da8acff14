#!/usr/bin/env python3
"""Writes data/trial-power.json, the small trial-power fixture the example report plots until the
simulate/trial stage kind lands. A real (if small) Monte Carlo: two arms 1:1, exponential survival
with control median 12 months, uniform accrual over 24 months, analysis at month 36, two-sided
log-rank test at alpha 0.05; 400 replicates per cell, seeded. Schoenfeld's power uses the mean
number of events. Standard library only; run: python3 data/make-trial-power.py > data/trial-power.json
"""
import json, math, random

def logrank_z(times, events, arms):
    order = sorted(range(len(times)), key=lambda i: times[i])
    n = [arms.count(0), arms.count(1)]
    o_minus_e, var = 0.0, 0.0
    i = 0
    while i < len(order):
        t = times[order[i]]
        d = [0, 0]; leaving = [0, 0]
        j = i
        while j < len(order) and times[order[j]] == t:
            k = order[j]; leaving[arms[k]] += 1
            if events[k]: d[arms[k]] += 1
            j += 1
        dt, nt = d[0] + d[1], n[0] + n[1]
        if dt and nt > 1:
            e1 = dt * n[1] / nt
            o_minus_e += d[1] - e1
            var += dt * (n[0] / nt) * (n[1] / nt) * (nt - dt) / (nt - 1)
        n[0] -= leaving[0]; n[1] -= leaving[1]
        i = j
    return o_minus_e / math.sqrt(var) if var > 0 else 0.0

def phi(x): return 0.5 * (1 + math.erf(x / math.sqrt(2)))

rng = random.Random(20210152)
reps = 400
cells = []
for hr in (0.6, 0.7, 0.8):
    for size in (100, 200, 300, 400, 500, 600):
        rejections, events_total, hrs = 0, 0, []
        for _ in range(reps):
            times, events, arms = [], [], []
            for k in range(size):
                arm = k % 2
                rate = math.log(2) / 12 * (hr if arm else 1)
                t = rng.expovariate(rate)
                follow = 36 - rng.uniform(0, 24)
                times.append(min(t, follow)); events.append(t <= follow); arms.append(arm)
            z = logrank_z(times, events, arms)
            d = sum(events)
            events_total += d
            if abs(z) > 1.959963984540054: rejections += 1
            # A one-step estimate of the log hazard ratio from the log-rank statistic.
            hrs.append(math.exp(z * 2 / math.sqrt(d)) if d else float("nan"))
        power = rejections / reps
        mean_events = events_total / reps
        hrs.sort()
        cells.append({
            "hazard_ratio": hr, "sample_size": size, "power": power,
            "mc_se": math.sqrt(power * (1 - power) / reps), "mean_events": mean_events,
            "mean_hr": sum(hrs) / len(hrs), "median_hr": hrs[len(hrs) // 2],
            "schoenfeld_power": phi(math.sqrt(mean_events * 0.25) * abs(math.log(hr)) - 1.959963984540054),
        })
print(json.dumps({"kind": "trial-power", "replicates": reps, "alpha": 0.05, "seed": 20210152,
                  "note": "fixture from data/make-trial-power.py until simulate/trial lands", "cells": cells},
                 separators=(",", ":")))
