#!/usr/bin/env python3
"""One table row of a bench section: measure.py LABEL RUNS PREPARE CMD...

Runs CMD RUNS times (after one warm-up unless RUNS is 1), running the shell command PREPARE
before each run when it is not empty, and prints the median wall ms, the mean CPU ms (user + sys
of the command and its children) and the largest peak RSS in MiB (/usr/bin/time). The row is also
appended, tab-separated, to the file $MEASURE_RESULTS; $MEASURE_WIDTH is the label column's width.
Shared by bench/sections/50-scale.sh and 55-environments.sh.
"""
import os, statistics, subprocess, sys, tempfile, time

label, runs, prep, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
width = int(os.environ.get("MEASURE_WIDTH", "46"))
rss_file = tempfile.mktemp()
wall, cpu, rss = [], [], []
for i in range(runs + (1 if runs > 1 else 0)):
    if prep:
        subprocess.run(prep, shell=True, check=True, stdout=subprocess.DEVNULL)
    before = os.times()
    t = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    after = os.times()
    if runs > 1 and i == 0:
        continue
    wall.append(elapsed * 1000)
    cpu.append((after.children_user - before.children_user + after.children_system - before.children_system) * 1000)
    rss.append(int(open(rss_file).read().split()[-1]) / 1024)
os.unlink(rss_file)
print("  %-*s %10.1f %10.1f %9.1f" % (width, label, statistics.median(wall), statistics.mean(cpu), max(rss)))
with open(os.environ["MEASURE_RESULTS"], "a") as f:
    f.write("%s\t%.1f\t%.1f\t%.1f\n" % (label, statistics.median(wall), statistics.mean(cpu), max(rss)))
