#!/usr/bin/env python3
"""Writes the seeded synthetic cohorts of the survival-breadth benchmark
(bench/sections/12-survival-breadth.sh).

usage: gen_breadth.py clustered ROWS OUT.csv [SEED]
       gen_breadth.py competing ROWS OUT.csv [SEED]

clustered: gen.py's columns (time, status, sex, treated, age, marker, stage) plus `id`, a cluster
  (patient or centre) of 1 to 7 consecutive rows sharing a gamma frailty, so the robust variance
  of `cluster: id` differs from the model-based one.
competing: time (whole days >= 1, many ties), event (0 censored, 1 and 2 two competing causes with
  exponential cause-specific hazards that depend on the group) and group (A, B or C).
The same arguments give the same bytes on any machine (Python's Mersenne Twister).
"""
import math
import random
import sys


def clustered(rows, rng):
    stage_levels = ["I", "II", "III", "IV"]
    stage_effect = [0.0, 0.25, 0.55, 0.9]
    shape, scale = 1.3, 900.0
    lines = ["time,status,sex,treated,age,marker,stage,id\n"]
    cluster, left, frailty = 0, 0, 1.0
    for _ in range(rows):
        if left == 0:
            cluster += 1
            left = rng.randint(1, 7)
            frailty = rng.gammavariate(2.0, 0.5)  # mean 1, variance 0.5
        left -= 1
        sex = 1 if rng.random() < 0.45 else 0
        treated = 1 if rng.random() < 0.5 else 0
        age = round(rng.gauss(62.0, 10.0), 1)
        marker = round(rng.gauss(0.0, 1.0), 3)
        k = rng.randrange(4)
        lp = 0.2 * sex - 0.4 * treated + 0.03 * (age - 62.0) + 0.3 * marker + stage_effect[k]
        u = 1.0 - rng.random()
        event_time = scale * (-math.log(u) / (frailty * math.exp(lp))) ** (1.0 / shape)
        follow_up = rng.uniform(60.0, 2000.0)
        status = 1 if event_time <= follow_up else 0
        t = max(1, int(round(min(event_time, follow_up))))
        lines.append(f"{t},{status},{sex},{treated},{age},{marker},{stage_levels[k]},{cluster}\n")
    return lines


def competing(rows, rng):
    groups = ["A", "B", "C"]
    rate1 = [1 / 900.0, 1 / 700.0, 1 / 1100.0]  # cause 1 (e.g. relapse) per day
    rate2 = [1 / 1500.0, 1 / 1400.0, 1 / 1000.0]  # cause 2 (e.g. death without relapse)
    lines = ["time,event,group\n"]
    for _ in range(rows):
        g = rng.randrange(3)
        t1 = rng.expovariate(rate1[g])
        t2 = rng.expovariate(rate2[g])
        follow_up = rng.uniform(100.0, 3000.0)
        t = min(t1, t2, follow_up)
        event = 0 if t == follow_up else (1 if t == t1 else 2)
        lines.append(f"{max(1, int(round(t)))},{event},{groups[g]}\n")
    return lines


def main() -> None:
    mode, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261207
    rng = random.Random(seed)
    make = {"clustered": clustered, "competing": competing}.get(mode)
    if make is None:
        sys.exit(f"gen_breadth.py: unknown cohort '{mode}'; use clustered or competing")
    with open(out, "w", newline="") as f:
        f.writelines(make(rows, rng))


if __name__ == "__main__":
    main()
