#!/bin/sh
# flip.sh DIR: rewrite every source listed in DIR/bench-change.list with new
# bytes, alternating between two contents, so each call really changes them.
# Used as hyperfine's --prepare for the "one input changed" scenario.
set -eu
dir=$1
while IFS= read -r f; do
  [ -n "$f" ] || continue
  if grep -q 'flip-a' "$dir/$f"; then
    echo "$f flip-b" > "$dir/$f"
  else
    echo "$f flip-a" > "$dir/$f"
  fi
done < "$dir/bench-change.list"
