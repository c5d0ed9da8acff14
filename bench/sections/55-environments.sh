#!/usr/bin/env bash
# Environments (issue 16, item 7): what host tool digests and containers cost, each beside its
# anchor measured in this run:
#   (a) the ENV_WIDE-stage (default 10,000) wide workflow of bench/gen.py with `tools: [cat, cksum]`
#       at its top level (the default of every stage; the programs its commands call): the cold run
#       once, then a no-op rerun (median of the runs) beside a no-op `ninja` on the same graph, the
#       same no-op without `tools:`, and `studyflow status` (the full check) with and without.
#       Target: no-op with tools ≤ 1.0 × ninja.
#   (b) one container stage (`container: ENV_IMAGE`, default localhost/studyflow-test:1, built by
#       scripts/build-test-image.sh) running a trivial command: `run --force-all` beside a bare
#       `podman run --rm --network=none -v WS:WS -w WS IMAGE sh -c 'same command'` (the same bind
#       mount, so the command can write its output), median of the runs each, and the difference.
#       Skipped with a clear line when podman or the image is missing.
# If CONTAINERS_CONF is unset, podman gets the configuration this machine needs (runc, cgroupfs,
# no default ulimits; see scripts/integration/50-containers.sh).
#
# Environment: STUDYFLOW (release binary, required), ENV_WIDE (default 10000), ENV_RUNS (default 5;
# BENCH_QUICK=1 makes it 2), ENV_IMAGE, ENV_CASES (default "a b").
set -euo pipefail
SF=${STUDYFLOW:?set STUDYFLOW to the studyflow binary}
WIDE=${ENV_WIDE:-10000}
RUNS=${ENV_RUNS:-5}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=2
IMAGE=${ENV_IMAGE:-localhost/studyflow-test:1}
CASES=${ENV_CASES:-a b}
wanted() { case " $CASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v ninja >/dev/null || { echo "environments bench: ninja not found (bench/run.sh installs it)" >&2; exit 1; }

# Outside any repository: each workspace's ledger is its own bare repository.
WORK=$(mktemp -d /tmp/studyflow-env-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export ENV_RESULTS=$WORK/results.tsv
: >"$ENV_RESULTS"

# measure LABEL RUNS PREPARE CMD...: one table row (bench/measure.py).
measure() { MEASURE_RESULTS=$ENV_RESULTS MEASURE_WIDTH=50 python3 "$BENCH_DIR/measure.py" "$@"; }
header() {
  echo
  echo "== environments: $1 =="
  printf '  %-50s %10s %10s %9s\n' "case" "wall ms" "CPU ms" "RSS MiB"
}

# --- (a) host tool digests on the wide workflow ------------------------------------------------
if wanted a; then
W=$WORK/wide
for copy in tools plain ninja; do
  python3 "$BENCH_DIR/gen.py" wide "$WIDE" "$W/$copy" >/dev/null
done
# gen.py's commands call cat and cksum (echo is a shell builtin): the top-level default.
sed -i '1a tools: [cat, cksum]' "$W/tools/Workflows/bench.yaml"
# gen.py's `build all: phony …` edge is quadratic in ninja 1.11 (see 50-scale.sh): use `default`.
python3 - "$W/ninja/build.ninja" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
lines = ["default " + l[len("build all: phony "):] if l.startswith("build all: phony ") else l
         for l in lines if l != "default all"]
open(path, "w").write("\n".join(lines))
PY
header "(a) $WIDE-stage wide workflow, tools: [cat, cksum] (target: no-op with tools ≤ 1.0 × ninja)"
if ! "$SF" validate -C "$W/tools" >"$WORK/validate.log" 2>&1; then
  echo "  tools: not available: 'studyflow validate' rejects it ($(head -n 1 "$WORK/validate.log"))"
else
  measure "studyflow cold run, with tools" 1 "" "$SF" run -j 2 -C "$W/tools"
  measure "studyflow cold run, without tools" 1 "" "$SF" run -j 2 -C "$W/plain"
  measure "ninja cold build (same graph)" 1 "" ninja -j 2 -C "$W/ninja"
  measure "studyflow no-op, with tools" "$RUNS" "" "$SF" run -j 2 -C "$W/tools"
  measure "studyflow no-op, without tools" "$RUNS" "" "$SF" run -j 2 -C "$W/plain"
  measure "ninja no-op (same graph)" "$RUNS" "" ninja -j 2 -C "$W/ninja"
  measure "studyflow status (full check), with tools" "$RUNS" "" "$SF" status -C "$W/tools"
  measure "studyflow status (full check), without tools" "$RUNS" "" "$SF" status -C "$W/plain"
  grep -q "\"sha256\"" <(git --git-dir "$W/tools/.studyflow/provenance.git" show refs/studyflow/runs:stages/s0.json 2>/dev/null) \
    || echo "  note: stage s0's run record names no tool digest"
fi
fi

# --- (b) one container stage vs a bare podman run -----------------------------------------------
if wanted b; then
C=$WORK/container
COMMAND='echo hello > out/hello.txt'
header "(b) one container stage ($IMAGE) vs a bare podman run of the same command"
if ! command -v podman >/dev/null; then
  echo "  skipped: podman not found (apt-get install podman runc busybox-static)"
else
  if [ -z "${CONTAINERS_CONF:-}" ]; then
    export CONTAINERS_CONF=$WORK/containers.conf
    printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' >"$CONTAINERS_CONF"
  fi
  if ! podman image exists "$IMAGE" 2>/dev/null; then
    echo "  skipped: image '$IMAGE' is not in podman's image store (build it with scripts/build-test-image.sh)"
  else
    mkdir -p "$C/Workflows" "$C/out"
    printf 'name: env-container\ncontainer: %s\nstages:\n  hello:\n    run: %s\n    outputs: {out: out/hello.txt}\n' \
      "$IMAGE" "echo hello > \${outputs.out}" >"$C/Workflows/container.yaml"
    if ! "$SF" validate -C "$C" >"$WORK/validate.log" 2>&1; then
      echo "  containers not available: 'studyflow validate' rejects container: ($(head -n 1 "$WORK/validate.log"))"
    else
      "$SF" run -C "$C" >/dev/null  # the first run records the image and the ledger (not timed)
      measure "studyflow run --force-all (1 container stage)" "$RUNS" "" "$SF" run --force-all -C "$C"
      measure "podman run --rm --network=none (same command)" "$RUNS" "" \
        podman run --rm --network=none -v "$C:$C" -w "$C" "$IMAGE" sh -c "$COMMAND"
      python3 - "$ENV_RESULTS" <<'PY'
import sys
rows = {l.split("\t")[0]: [float(x) for x in l.rstrip("\n").split("\t")[1:]] for l in open(sys.argv[1])}
sf, bare = rows["studyflow run --force-all (1 container stage)"], rows["podman run --rm --network=none (same command)"]
print("  %-50s %+10.1f %+10.1f" % ("difference (studyflow − bare podman)", sf[0] - bare[0], sf[1] - bare[1]))
PY
    fi
  fi
fi
fi

echo "  load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Verdicts from the rows above (wall medians; a missing row means its case was skipped).
python3 - "$ENV_RESULTS" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    label, wall, cpu, rss = line.rstrip("\n").split("\t")
    rows[label] = (float(wall), float(cpu), float(rss))
print()
print("== environments: targets ==")
if "studyflow no-op, with tools" in rows:
    tools, plain = rows["studyflow no-op, with tools"], rows["studyflow no-op, without tools"]
    ninja = rows["ninja no-op (same graph)"]
    ok = tools[0] <= 1.0 * ninja[0]
    print("  %-62s %s" % ("(a) no-op with tools ≤ 1.0 × ninja (%.2f ×)" % (tools[0] / ninja[0]), "ok" if ok else "MISS"))
    print("  (a) cost of tools: no-op %+.1f ms wall, %+.1f ms CPU; status %+.1f ms wall, %+.1f ms CPU" % (
        tools[0] - plain[0], tools[1] - plain[1],
        rows["studyflow status (full check), with tools"][0] - rows["studyflow status (full check), without tools"][0],
        rows["studyflow status (full check), with tools"][1] - rows["studyflow status (full check), without tools"][1]))
else:
    print("  (a) skipped: not selected or tools: not available")
if "studyflow run --force-all (1 container stage)" not in rows:
    print("  (b) skipped: not selected, or podman or the image missing")
PY
