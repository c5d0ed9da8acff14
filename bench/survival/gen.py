#!/usr/bin/env python3
"""Writes a seeded synthetic survival cohort for the survival benchmark (bench/sections/10-survival.sh).

usage: gen.py ROWS OUT.csv [SEED]

Columns: time (whole days >= 1, Weibull event times under proportional hazards, so many ties),
status (1 event, 0 censored; about 30 % censored by an independent uniform follow-up),
sex and treated (binary 0/1), age and marker (normal), stage (four levels I-IV).
The same ROWS and SEED give the same bytes on any machine (Python's Mersenne Twister).
"""
import math
import random
import sys


def main() -> None:
    rows = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261127
    rng = random.Random(seed)
    stage_levels = ["I", "II", "III", "IV"]
    stage_effect = [0.0, 0.25, 0.55, 0.9]
    shape, scale = 1.3, 900.0  # Weibull event times in days
    lines = ["time,status,sex,treated,age,marker,stage\n"]
    for _ in range(rows):
        sex = 1 if rng.random() < 0.45 else 0
        treated = 1 if rng.random() < 0.5 else 0
        age = round(rng.gauss(62.0, 10.0), 1)
        marker = round(rng.gauss(0.0, 1.0), 3)
        k = rng.randrange(4)
        lp = 0.2 * sex - 0.4 * treated + 0.03 * (age - 62.0) + 0.3 * marker + stage_effect[k]
        u = 1.0 - rng.random()
        event_time = scale * (-math.log(u) / math.exp(lp)) ** (1.0 / shape)
        follow_up = rng.uniform(60.0, 2000.0)
        status = 1 if event_time <= follow_up else 0
        t = max(1, int(round(min(event_time, follow_up))))
        lines.append(f"{t},{status},{sex},{treated},{age},{marker},{stage_levels[k]}\n")
    with open(out, "w", newline="") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main()
