#!/usr/bin/env bash
# StudyFlow engine benchmark: studyflow vs GNU make vs ninja on generated
# chain / wide / layered workflows of trivial shell stages.
#
# Environment:
#   BENCH_SIZES    stage counts (default "1000 10000")
#   BENCH_SHAPES   shapes (default "chain wide layered")
#   BENCH_TOOLS    tools (default "ninja make studyflow")
#   BENCH_QUICK=1  few runs per measurement, to check the harness itself
#   BENCH_KEEP=1   keep the generated workspaces under bench/work/
#   BENCH_TIMEOUT  seconds one hyperfine call may take (default 1800)
#   BENCH_OUT      JSON path (default bench/results/engine.json)
#   STUDYFLOW      studyflow binary to use instead of `swift build -c release`
#
# Exit status: 0 when every measurement ran and every tool produced the same
# out/ as ninja; 1 otherwise. A target MISS does not fail the run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
SIZES=${BENCH_SIZES:-"1000 10000"}
SHAPES=${BENCH_SHAPES:-"chain wide layered"}
TOOLS=${BENCH_TOOLS:-"ninja make studyflow"}
QUICK=${BENCH_QUICK:-0}
KEEP=${BENCH_KEEP:-0}
TIMEOUT=${BENCH_TIMEOUT:-1800}
OUT_JSON=${BENCH_OUT:-$BENCH_DIR/results/engine.json}
WORK=$BENCH_DIR/work
RAW=$WORK/raw
LOG=$WORK/bench.log
# shellcheck disable=SC2086 # word splitting on purpose: normalise the lists
SIZES=$(echo $SIZES) SHAPES=$(echo $SHAPES) TOOLS=$(echo $TOOLS)
[ -n "$SIZES" ] && [ -n "$SHAPES" ] && [ -n "$TOOLS" ] || { echo "bench: empty BENCH_SIZES/SHAPES/TOOLS" >&2; exit 1; }

say() { printf '%s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
has_tool() { case " $TOOLS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

for t in $TOOLS; do
  case $t in ninja | make | studyflow) ;; *) die "unknown tool '$t' in BENCH_TOOLS" ;; esac
done
for s in $SHAPES; do
  case $s in chain | wide | layered) ;; *) die "unknown shape '$s' in BENCH_SHAPES" ;; esac
done
for n in $SIZES; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "bad size '$n' in BENCH_SIZES"
done

# --- tools ------------------------------------------------------------------
install_missing() {
  local need=()
  command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
  command -v ninja >/dev/null 2>&1 || need+=(ninja-build)
  command -v make >/dev/null 2>&1 || need+=(make)
  [ -x /usr/bin/time ] || need+=(time) # not `command -v time`: that finds the shell keyword
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  ((${#need[@]})) || return 0
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${need[*]}"
    sudo=(sudo)
  fi
  say "bench: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y -o DPkg::Lock::Timeout=900 "${need[@]}"; then
    # Package lists missing or stale (fresh image): refresh once and retry.
    "${sudo[@]}" apt-get update -o DPkg::Lock::Timeout=900
    "${sudo[@]}" apt-get install -y -o DPkg::Lock::Timeout=900 "${need[@]}"
  fi
}
install_missing

SF=
if has_tool studyflow; then
  if [ -n "${STUDYFLOW:-}" ]; then
    SF=$(command -v "$STUDYFLOW" || true)
    [ -n "$SF" ] || die "STUDYFLOW=$STUDYFLOW is not an executable"
    SF=$(cd "$(dirname "$SF")" && pwd)/$(basename "$SF")
  else
    say "bench: swift build -c release"
    (cd "$ROOT" && swift build -c release)
    SF=$ROOT/.build/release/studyflow
  fi
  [ -x "$SF" ] || die "studyflow binary not found at $SF"
  "$SF" --version >/dev/null || die "$SF --version failed"
fi

# --- run counts ---------------------------------------------------------------
# Cold builds dominate the wall time (about 20-30 s per build at 10,000 stages
# on 2 cores), so they get 3 runs; everything else is cheap.
if [ "$QUICK" = 1 ]; then
  COLD_RUNS=2 NOOP_WARM=1 NOOP_RUNS=3 DRY_RUNS=3 INCR_RUNS=3
else
  COLD_RUNS=3 NOOP_WARM=2 NOOP_RUNS=20 DRY_RUNS=10 INCR_RUNS=10
fi
cold_runs() { if [ "$1" -lt 1000 ] && [ "$QUICK" != 1 ]; then echo 5; else echo "$COLD_RUNS"; fi; }

# --- setup ------------------------------------------------------------------
rm -rf "$RAW"
mkdir -p "$RAW" "$(dirname "$OUT_JSON")"
: >"$LOG"
{
  printf 'started\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf 'sizes\t%s\n' "$SIZES"
  printf 'shapes\t%s\n' "$SHAPES"
  printf 'tools\t%s\n' "$TOOLS"
  printf 'quick\t%s\n' "$QUICK"
  printf 'jobs\t2\n'
  printf 'runs\tcold=%s(5 below N=1000) noop=%s+%s warmup dry=%s+1 warmup changed/touch=%s+1 warmup\n' \
    "$COLD_RUNS" "$NOOP_RUNS" "$NOOP_WARM" "$DRY_RUNS" "$INCR_RUNS"
  printf 'loadavg_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
  printf 'git_commit\t%s\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
} >"$RAW/settings.tsv"
{
  printf 'hyperfine\t%s\n' "$(hyperfine --version | head -n1)"
  printf 'ninja\t%s\n' "$(ninja --version | head -n1)"
  printf 'make\t%s\n' "$(make --version | head -n1)"
  printf 'time\t%s\n' "$(/usr/bin/time --version 2>&1 | head -n1)"
  printf 'sh\t%s\n' "$(readlink -f /bin/sh)"
  if [ -n "$SF" ]; then
    printf 'studyflow\t%s\n' "$("$SF" --version 2>&1 | head -n1)"
    printf 'studyflow_path\t%s\n' "$SF"
  fi
} >"$RAW/tools.tsv"

FAILED=0
q() { printf '%q' "$1"; }

# bench KEY TOOL WARMUP RUNS PREPARE COMMAND
# One hyperfine call for one tool; JSON to $RAW/KEY-TOOL.json. A failure is
# recorded (KEY-TOOL.failed), the command's output appended to the log, and the
# run goes on with the next measurement.
bench() {
  local key=$1 tool=$2 warm=$3 runs=$4 prep=$5 cmd=$6
  # -N: no intermediate shell, so no shell-startup correction noise on
  # millisecond commands. COMMAND is plain words; PREPARE goes through sh.
  local args=(-N --style basic --warmup "$warm" --runs "$runs"
    --export-json "$RAW/$key-$tool.json" --command-name "$tool")
  [ -z "$prep" ] || args+=(--prepare "sh -c $(q "$prep")")
  printf '\n### %s %s\n' "$key" "$tool" >>"$LOG"
  if timeout "$TIMEOUT" hyperfine "${args[@]}" "$cmd" >>"$LOG" 2>&1; then
    python3 - "$RAW/$key-$tool.json" "$key" "$tool" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
sd = r.get("stddev")
print("  %-28s %-9s %10.1f ms%s" % (sys.argv[2], sys.argv[3], r["mean"] * 1000,
      "" if sd is None else " ± %.1f" % (sd * 1000)))
EOF
  else
    FAILED=1
    rm -f "$RAW/$key-$tool.json"
    echo failed >"$RAW/$key-$tool.failed"
    say "  $key $tool FAILED (see $LOG)"
    {
      printf -- '--- one more run of the failing command, for its output:\n'
      [ -z "$prep" ] || sh -c "$prep" || true
      timeout "$TIMEOUT" sh -c "$cmd" || printf -- '--- exit status %s\n' "$?"
    } >>"$LOG" 2>&1
  fi
}

build_cmd() { # TOOL DIR
  case $1 in
    ninja) echo "ninja -j2 -C $(q "$2")" ;;
    make) echo "make -j2 -C $(q "$2")" ;;
    studyflow) echo "$(q "$SF") run -j 2 -C $(q "$2")" ;;
  esac
}
dry_cmd() {
  case $1 in
    ninja) echo "ninja -n -C $(q "$2")" ;;
    make) echo "make -n -C $(q "$2")" ;;
    studyflow) echo "$(q "$SF") run -n -C $(q "$2")" ;;
  esac
}
wipe_cmd() { # remove every output and all build state
  case $1 in
    ninja) echo "rm -rf $(q "$2/out") $(q "$2/.ninja_log") $(q "$2/.ninja_deps")" ;;
    make) echo "rm -rf $(q "$2/out") && mkdir $(q "$2/out")" ;; # make creates no directories
    studyflow) echo "rm -rf $(q "$2/.studyflow") $(q "$2/out")" ;;
  esac
}

# check PHASE CASE: compare each tool's out/ with the reference tool's.
check_outputs() {
  local phase=$1 case=$2 ref= t
  for t in $TOOLS; do
    [ -n "$ref" ] || { ref=$t; continue; }
    if diff -rq "$WORK/$case/$ref/out" "$WORK/$case/$t/out" >>"$LOG" 2>&1; then
      echo "$phase $t ok" >>"$RAW/$case.checks"
    else
      echo "$phase $t mismatch" >>"$RAW/$case.checks"
      say "  outputs of $t differ from $ref's after $phase (see $LOG)"
    fi
  done
}

say "bench: sizes [$SIZES] shapes [$SHAPES] tools [$TOOLS]$([ "$QUICK" = 1 ] && echo ' (quick)')"
say "bench: hyperfine log in $LOG"
start=$SECONDS
for n in $SIZES; do
  for shape in $SHAPES; do
    case=$shape-$n
    say ""
    say "== $shape N=$n"
    rm -rf "${WORK:?}/$case"
    for t in $TOOLS; do
      python3 "$BENCH_DIR/gen.py" "$shape" "$n" "$WORK/$case/$t" >/dev/null
    done
    first=${TOOLS%% *}
    cp "$WORK/$case/$first/bench-meta.json" "$RAW/$case.meta.json"
    mapfile -t changes <"$WORK/$case/$first/bench-change.list"
    say "  change ${#changes[@]} source(s), $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["downstream"])' "$RAW/$case.meta.json") stages downstream"
    : >"$RAW/$case.checks"

    cr=$(cold_runs "$n")
    # cold -j2: every run from an empty tree. Each run is wrapped in
    # /usr/bin/time (the same wrapper for every tool) to get the cold peak RSS.
    for t in $TOOLS; do
      d=$WORK/$case/$t
      bench "$case-cold" "$t" 0 "$cr" "$(wipe_cmd "$t" "$d")" \
        "/usr/bin/time -f %M -a -o $(q "$RAW/$case-cold-$t.rss") $(build_cmd "$t" "$d")"
    done
    check_outputs cold "$case"

    # no-op rerun on the built tree, then one no-op under /usr/bin/time for RSS.
    for t in $TOOLS; do
      d=$WORK/$case/$t
      bench "$case-noop" "$t" "$NOOP_WARM" "$NOOP_RUNS" "" "$(build_cmd "$t" "$d")"
      /usr/bin/time -f %M -o "$RAW/$case-noop-$t.rss" sh -c "exec $(build_cmd "$t" "$d")" >>"$LOG" 2>&1 ||
        { FAILED=1; echo failed >"$RAW/$case-noop-$t.rss"; say "  noop RSS run of $t FAILED"; }
    done

    # dry run on the up-to-date tree.
    for t in $TOOLS; do
      d=$WORK/$case/$t
      bench "$case-dry" "$t" 1 "$DRY_RUNS" "" "$(dry_cmd "$t" "$d")"
    done

    # one input changed: new bytes in the chosen source(s) before every run.
    for t in $TOOLS; do
      d=$WORK/$case/$t
      bench "$case-changed" "$t" 1 "$INCR_RUNS" "sh $(q "$BENCH_DIR/flip.sh") $(q "$d")" "$(build_cmd "$t" "$d")"
    done

    # touch only: same files, new mtime, same bytes.
    for t in $TOOLS; do
      d=$WORK/$case/$t
      touch_list=
      for f in "${changes[@]}"; do touch_list+=" $(q "$d/$f")"; done
      bench "$case-touch" "$t" 1 "$INCR_RUNS" "touch$touch_list" "$(build_cmd "$t" "$d")"
    done
    # Every tool saw the same number of flips, so out/ must agree again.
    check_outputs end "$case"

    [ "$KEEP" = 1 ] || rm -rf "${WORK:?}/$case"
  done
done
say ""
say "bench: measured in $((SECONDS - start)) s"

rc=0
python3 "$BENCH_DIR/report.py" "$RAW" "$OUT_JSON" || rc=$?
[ "$FAILED" = 0 ] || rc=1
exit "$rc"
