#!/bin/bash
# SPDX-License-Identifier: MIT
# Analysis speed only: `memprof report LOG` (text) against `heaptrack_print` on the same
# recordings, alternated N times each, on a quiet machine. Prints the minimum and mean wall
# time and the minimum CPU time (user+sys) of each, and their ratio of minimum wall times.
#
#   bench/compare_reports.sh N MEMPROF LOGDIR WORKLOAD...
#
# LOGDIR holds WORKLOAD.mprof and WORKLOAD.ht.zst for each workload, e.g. the recordings that
# `run_bench.py --keep` leaves (run.mprof and ht.zst in its per-run directories, linked or
# copied under these names). Needs GNU time (/usr/bin/time).
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 N MEMPROF LOGDIR WORKLOAD..." >&2
  exit 2
fi
n=$1 memprof=$2 logdir=$3
shift 3
times=$(mktemp)
trap 'rm -f "$times"' EXIT
for wl in "$@"; do
  for _ in $(seq "$n"); do
    /usr/bin/time -o "$times" -a -f "mp %e %U %S" "$memprof" report "$logdir/$wl.mprof" >/dev/null
    /usr/bin/time -o "$times" -a -f "ht %e %U %S" heaptrack_print "$logdir/$wl.ht.zst" >/dev/null
  done
  awk -v wl="$wl" '
    { n[$1]++; w = $2; c = $3 + $4; s[$1] += w
      if (!($1 in mn) || w < mn[$1]) mn[$1] = w
      if (!($1 in mc) || c < mc[$1]) mc[$1] = c }
    END { printf "%-15s memprof min %.2f s mean %.2f cpu %.2f | heaptrack_print min %.2f s mean %.2f cpu %.2f | %.2fx\n",
                 wl, mn["mp"], s["mp"] / n["mp"], mc["mp"], mn["ht"], s["ht"] / n["ht"], mc["ht"],
                 mn["ht"] / mn["mp"] }' "$times"
  : > "$times"
done
