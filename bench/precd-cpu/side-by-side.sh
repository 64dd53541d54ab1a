#!/bin/bash
# precd CPU per exec, two builds side by side in ONE storm (issue 19): precd A (from worktree WT_A) and
# precd B (WT_B) run at the same time, both attached, so both log every exec of the same storm under the
# same load; each one's CPU (utime + stime of all its threads, /proc/PID/stat) over the storm window.
# The start order alternates between rounds. Root; temp dirs only.
#
#   bench/precd-cpu/side-by-side.sh WT_A WT_B N P [ROUNDS]      (e.g. a main worktree and this one)
#
# Each precd runs with the node flags of its own bin/precd.js first line.
set -u
a=$1; b=$2; n=$3; p=$4; rounds=${5:-1}
here=$(cd "$(dirname "$0")" && pwd)
storm=$here/../../build/bench/storm
[ -x "$storm" ] || gcc -O2 -Wall -o "$storm" "$here/../storm.c"
dir=$(mktemp -d /tmp/precd-sbs-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
flags() { head -1 "$1/bin/precd.js" | sed -e 's/^#!.*node//'; }
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  declare -A pid
  for s in $order; do
    wt=$a; [ "$s" = B ] && wt=$b
    rm -rf "$dir/$s"; mkdir -p "$dir/$s/log"
    printf 'log_path = "%s"\nlock_path = "%s"\nmetrics_path = "%s"\nseal_key_path = "%s"\nflush_interval_ms = 200\n' \
      "$dir/$s/log/prec.log" "$dir/$s/precd.lock" "$dir/$s/prec.prom" "$dir/$s/seal.key" > "$dir/$s.toml"
    # shellcheck disable=SC2046
    node $(flags "$wt") "$wt/bin/precd.js" -c "$dir/$s.toml" 2>"$dir/$s.err" &
    pid[$s]=$!
    for _ in $(seq 150); do grep -q 'ready\|failed' "$dir/$s.err" && break; sleep 0.2; done
    grep -q ready "$dir/$s.err" || { cat "$dir/$s.err"; kill "${pid[A]:-}" "${pid[B]:-}" 2>/dev/null; exit 1; }
  done
  sleep 3
  ca0=$(cpu "${pid[A]}"); cb0=$(cpu "${pid[B]}")
  s=$("$storm" "$n" "$p" "precsbs$RANDOM" /bin/true)
  sleep 2
  ca1=$(cpu "${pid[A]}"); cb1=$(cpu "${pid[B]}")
  kill -TERM "${pid[A]}" "${pid[B]}"; wait "${pid[A]}" "${pid[B]}"
  echo "round $r ($order started first) load $(cut -d' ' -f1 /proc/loadavg) storm $(echo "$s" | grep -o '"wall_s":[0-9.]*')"
  awk -v a=$((ca1 - ca0)) -v b=$((cb1 - cb0)) -v n="$n" 'BEGIN{printf "  A %.2f CPU-s %.1f us/exec | B %.2f CPU-s %.1f us/exec | B/A %.3f\n", a/100, a*10000/n, b/100, b*10000/n, (a > 0 ? b/a : 0)}'
done
