#!/bin/bash
# Python's own trees on slowfs, as users run today from a shared file system:
# /usr/lib/python3.11 (stdlib) and /usr/lib/python3 (dist-packages, numpy) are
# mounted under one prefix and /usr/bin/python3 runs with PYTHONHOME there.
# Prints a Markdown table: per latency, the median wall time of RUNS runs of
# `python3 -c "$IMPORT"` and the requests slowfs served for one run (both mounts).
# usage: [RUNS=3] [IMPORT="import numpy"] bench/slowfs/import_numpy.sh [LATENCY_MS...]  (default: 0 1)
set -euo pipefail
. "$(dirname "$0")/../lib/slowfs.sh"
why=$(slowfs_check) || { echo "slowfs unavailable: $why" >&2; exit 1; }
[ $# -gt 0 ] || set -- 0 1
code=${IMPORT:-import numpy} runs=${RUNS:-3}

work=$(mktemp -d "${TMPDIR:-/tmp}/slowfs-import.XXXXXX")
trap 'slowfs_cleanup_all; rm -r "$work"' EXIT
prefix=$work/prefix
sources=(/usr/lib/python3.11 /usr/lib/python3)
mounts=("$prefix/lib/python3.11" "$prefix/lib/python3")
keys=(metadata_ops lookup lookup_negative getattr open opendir readdir readlink statfs access read)

run_python() { PYTHONHOME=$prefix /usr/bin/python3 -c "$@"; }
total() { echo $(($(slowfs_counter "${mounts[0]}" "$1") + $(slowfs_counter "${mounts[1]}" "$1"))); }
median_of_runs() {  # median_of_runs CMD...: seconds, median of $runs runs (CMD may reset counters first)
  local r t0 walls=()
  for ((r = 0; r < runs; r++)); do
    t0=$(date +%s%N)
    "$@"
    walls+=($(($(date +%s%N) - t0)))
  done
  printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1e9 }'
}
reset_and_run() {
  local m
  for m in "${mounts[@]}"; do slowfs_reset "$m"; done
  run_python "$code"
}

echo "$code: /usr/lib/python3.11 and /usr/lib/python3 on slowfs (serialised), median of $runs runs"
echo
header="| latency | wall s |" rule="|---|---|"
for key in "${keys[@]}"; do header+=" $key |" rule+="---|"; done
printf '%s\n%s\n' "$header" "$rule"
echo "| direct (no slowfs) | $(median_of_runs /usr/bin/python3 -c "$code") |$(printf ' |%.0s' "${keys[@]}")"
for latency in "$@"; do
  for i in 0 1; do slowfs_mount "${sources[$i]}" "${mounts[$i]}" --latency-ms="$latency"; done
  where=$(run_python 'import sys, numpy; print(numpy.__file__)')
  [[ $where == "$prefix/lib/python3/dist-packages/"* ]] || { echo "numpy not from slowfs: $where" >&2; exit 1; }
  median=$(median_of_runs reset_and_run)
  row="| $latency ms | $median |"
  for key in "${keys[@]}"; do row+=" $(total "$key") |"; done
  echo "$row"
  for m in "${mounts[@]}"; do slowfs_umount "$m"; done
done
