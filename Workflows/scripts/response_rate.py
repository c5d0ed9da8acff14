#!/usr/bin/env python3
"""Objective response rate by group, with Wilson score 95% intervals, as JSON on stdout.

usage: response_rate.py TABLE.csv GROUP_COLUMN RESPONSE_COLUMN
RESPONSE_COLUMN holds 1 (responder), 0 (non-responder) or NA/empty (not evaluable, left out).
Groups are listed in sorted order; the output is byte-identical for the same table.
"""
import csv
import json
import math
import sys


def wilson(successes, n, z=1.959963984540054):
    """Wilson score interval (Wilson 1927), as R's prop.test(correct = FALSE) gives it."""
    if n == 0:
        return None, None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(path, group_column, response_column):
    counts = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for name in (group_column, response_column):
            if name not in reader.fieldnames:
                sys.exit(f"{path}: no column '{name}' (columns: {', '.join(reader.fieldnames)})")
        for row in reader:
            group, response = row[group_column], row[response_column]
            if group in ("", "NA") or response in ("", "NA"):
                continue
            if response not in ("0", "1"):
                sys.exit(f"{path}:{reader.line_num}: column '{response_column}': '{response}' is not 0 or 1")
            n, r = counts.get(group, (0, 0))
            counts[group] = (n + 1, r + int(response))
    groups = []
    for group in sorted(counts):
        n, r = counts[group]
        lower, upper = wilson(r, n)
        groups.append({"group": group, "n": n, "responders": r, "rate": r / n,
                       "lower": lower, "upper": upper})
    json.dump({"kind": "response-rate", "group": group_column, "response": response_column,
               "conf_level": 0.95, "method": "wilson", "groups": groups}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
