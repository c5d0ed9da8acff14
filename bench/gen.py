#!/usr/bin/env python3
"""Generate one benchmark workspace for StudyFlow, GNU make and ninja.

Usage: gen.py SHAPE N DIR      (SHAPE is chain, wide or layered)

DIR receives:
  src/inI.txt            small distinct source files
  out/                   empty; pre-created because make does not create dirs
  Workflows/bench.yaml   the StudyFlow workflow
  Makefile               the same graph for GNU make
  build.ninja            the same graph for ninja
  bench-meta.json        shape, stage count, the sources to change and the
                         number of stages downstream of them
  bench-change.list      the sources to change (or touch), one path a line

Every stage runs the same shell body in all three tools:
  cat IN... | cksum > OUT && echo NAME >> OUT

Shapes, and what "one input changed" (~1% of stages downstream) means:
  chain    stage i reads out/s(i-1).txt; stage 0 reads src/in0.txt.
           Stage k = N - N/100 also reads a second source, src/ink.txt, so
           changing that file leaves exactly N/100 stages (k .. N-1)
           downstream.
  wide     N independent stages, stage i reads src/inI.txt. Changing 1% of
           the sources (every 100th: in0, in100, in200, ...) leaves N/100
           stages downstream.
  layered  W = max(10, N/100) stages per layer, ceil(N/W) layers. A stage
           (l, j) in layer l > 0 reads outputs (l-1, j) and (l-1, j+1 mod W'),
           W' being the width of layer l-1; layer 0 reads src/inJ.txt. The
           dependants of one stage widen by one stage per layer, so the cone
           below a layer-0 stage is most of the graph. Instead, stage 0 of a
           late layer l0 also reads an extra source, src/in-cone.txt, and l0
           is the deepest layer whose cone reaches N/100 stages (at N=1000 it
           is 10 stages, at N=10000 105).
The downstream counts in bench-meta.json are computed from the graph itself.
"""

import json
import os
import sys

SHAPES = ("chain", "wide", "layered")


def build_graph(shape, n):
    """Return (stages, change) where stages is a list of (name, [inputs])
    in a topological order and change the list of sources to modify."""
    stages = []
    one_pct = max(1, n // 100)
    change = []
    if shape == "chain":
        k = n - one_pct
        for i in range(n):
            ins = ["src/in0.txt"] if i == 0 else ["out/s%d.txt" % (i - 1)]
            if i == k:
                if i == 0:
                    ins = ["src/in0.txt"]
                else:
                    ins.append("src/in%d.txt" % i)
                change = [ins[-1]]
            stages.append(("s%d" % i, ins))
    elif shape == "wide":
        for i in range(n):
            stages.append(("s%d" % i, ["src/in%d.txt" % i]))
        change = ["src/in%d.txt" % i for i in range(0, n, 100)][:one_pct]
    elif shape == "layered":
        width = max(10, n // 100)
        layers = []  # list of lists of stage indices
        idx = 0
        while idx < n:
            layers.append(list(range(idx, min(n, idx + width))))
            idx += width
        l0 = choose_cone_layer(layers, one_pct)
        for l, layer in enumerate(layers):
            for j, i in enumerate(layer):
                if l == 0:
                    ins = ["src/in%d.txt" % j]
                else:
                    prev = layers[l - 1]
                    a = prev[j % len(prev)]
                    b = prev[(j + 1) % len(prev)]
                    ins = ["out/s%d.txt" % a]
                    if b != a:
                        ins.append("out/s%d.txt" % b)
                if l == l0 and j == 0:
                    ins.append("src/in-cone.txt")
                stages.append(("s%d" % i, ins))
        change = ["src/in-cone.txt"]
    else:
        raise SystemExit("gen.py: unknown shape %r (want one of %s)" % (shape, ", ".join(SHAPES)))
    return stages, change


def layered_cone(layers, l0):
    """Size of the cone below stage 0 of layer l0 (the stage itself included)."""
    count = 1
    reached = {0}  # positions in the current layer
    for l in range(l0 + 1, len(layers)):
        prev_w = len(layers[l - 1])
        nxt = set()
        for j in range(len(layers[l])):
            if j % prev_w in reached or (j + 1) % prev_w in reached:
                nxt.add(j)
        reached = nxt
        count += len(reached)
    return count


def choose_cone_layer(layers, target):
    for l0 in range(len(layers) - 1, -1, -1):
        if layered_cone(layers, l0) >= target:
            return l0
    return 0


def downstream(stages, change):
    """Number of stages that read, directly or transitively, any changed source."""
    dirty = set(change)
    count = 0
    for name, ins in stages:  # topological order
        if any(p in dirty for p in ins):
            dirty.add("out/%s.txt" % name)
            count += 1
    return count


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def body(ins, out, name):
    return "cat %s | cksum > %s && echo %s >> %s" % (" ".join(ins), out, name, out)


def main(argv):
    if len(argv) != 4 or argv[1] not in SHAPES:
        sys.stderr.write("usage: gen.py {chain|wide|layered} N DIR\n")
        return 2
    shape, n, root = argv[1], int(argv[2]), argv[3]
    if n < 1:
        sys.stderr.write("gen.py: N must be at least 1\n")
        return 2
    stages, change = build_graph(shape, n)
    outs = ["out/%s.txt" % name for name, _ in stages]

    os.makedirs(os.path.join(root, "out"), exist_ok=True)
    sources = sorted({p for _, ins in stages for p in ins if p.startswith("src/")})
    os.makedirs(os.path.join(root, "src"), exist_ok=True)
    for p in sources:
        with open(os.path.join(root, p), "w") as f:
            f.write("%s source %s\n" % (shape, p))

    # StudyFlow workflow, in the format of the contract's example.
    y = ["name: %s-%d" % (shape, n), "stages:"]
    for name, ins in stages:
        y.append("  %s:" % name)
        y.append("    run: cat ${inputs} | cksum > ${outputs.out} && echo %s >> ${outputs.out}" % name)
        y.append("    inputs: [%s]" % ", ".join(ins))
        y.append("    outputs: {out: out/%s.txt}" % name)
    write(os.path.join(root, "Workflows", "bench.yaml"), "\n".join(y) + "\n")

    # GNU make: built-in rules and suffixes off, so make does only this graph.
    m = [
        "# generated by bench/gen.py %s %d" % (shape, n),
        "MAKEFLAGS += --no-builtin-rules --no-builtin-variables",
        ".SUFFIXES:",
        ".DELETE_ON_ERROR:",
        ".PHONY: all",
        "all: \\",
    ]
    for i in range(0, len(outs), 50):
        m.append("  " + " ".join(outs[i:i + 50]) + (" \\" if i + 50 < len(outs) else ""))
    for (name, ins), out in zip(stages, outs):
        m.append("%s: %s" % (out, " ".join(ins)))
        m.append("\t%s" % body(ins, out, name))
    write(os.path.join(root, "Makefile"), "\n".join(m) + "\n")

    # ninja: one rule, $in expands to the same space-separated input list.
    nj = [
        "# generated by bench/gen.py %s %d" % (shape, n),
        "rule stage",
        "  command = cat $in | cksum > $out && echo $name >> $out",
        "",
    ]
    for (name, ins), out in zip(stages, outs):
        nj.append("build %s: stage %s" % (out, " ".join(ins)))
        nj.append("  name = %s" % name)
    nj.append("")
    nj.append("build all: phony " + " ".join(outs))
    nj.append("default all")
    write(os.path.join(root, "build.ninja"), "\n".join(nj) + "\n")

    meta = {
        "shape": shape,
        "stages": n,
        "change": change,
        "downstream": downstream(stages, change),
        "sources": len(sources),
    }
    write(os.path.join(root, "bench-meta.json"), json.dumps(meta, indent=2) + "\n")
    write(os.path.join(root, "bench-change.list"), "\n".join(change) + "\n")
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
