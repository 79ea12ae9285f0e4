#!/bin/bash
# Pack time and bundle size: python3.11 + numpy with `pybcast pack` (zstd and
# gzip at their default levels) against `tar -czf` of the same tree.
# Prints a Markdown table; times are the median of RUNS warm runs.
# Usage: bench/pack-bench.sh [PYBCAST] (default build/bin/pybcast); PYTHON=/usr/bin/python3 RUNS=5
set -euo pipefail
PYBCAST=$(realpath "${1:-$(dirname "$0")/../build/bin/pybcast}")
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS=${RUNS:-5}
work=$(mktemp -d /tmp/pybcast-pack-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# time_runs NAME CMD...: median wall and CPU (user + sys, children included)
# seconds of RUNS runs after one warm-up (page cache). CPU time says more than
# wall time on a busy machine.
time_runs() {
  local name=$1
  shift
  "$@" >/dev/null 2>&1
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S' -o "$name.one" "$@" >/dev/null 2>&1
    cat "$name.one"
  done >"$name.runs"
  awk '{ print $1 }' "$name.runs" | median >"$name.time"
  awk '{ print $2 + $3 }' "$name.runs" | median >"$name.cpu"
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# The tree both tools pack: exactly what the two pybcast bundles hold.
"$PYBCAST" pack python --python "$PYTHON" --format tar -o python.tar 2>/dev/null
"$PYBCAST" pack dist numpy --python "$PYTHON" --format tar -o numpy.tar 2>/dev/null
mkdir tree
tar -xf python.tar -C tree
tar -xf numpy.tar -C tree
rm -rf tree/.pybcast
files=$(find tree -type f | wc -l)
unpacked=$(du -sb tree | cut -f1)

pack_pair() {  # FORMAT EXTRA-ARGS...
  local format=$1
  shift
  "$PYBCAST" pack python --python "$PYTHON" --format "$format" "$@" -o "python.$format"
  "$PYBCAST" pack dist numpy --python "$PYTHON" --format "$format" "$@" -o "numpy.$format"
}
export -f pack_pair
export PYBCAST PYTHON
threads=$(nproc)
time_runs zstd bash -c 'pack_pair tar.zst'
time_runs gzip bash -c 'pack_pair tar.gz'
time_runs zstd1 bash -c 'pack_pair tar.zst --threads 1'
time_runs gzip1 bash -c 'pack_pair tar.gz --threads 1'
time_runs targz tar -czf tree.tar.gz -C tree .
time_runs tarzst tar --zstd -cf tree.tar.zst -C tree .
size_pair() { echo $(($(stat -c %s "python.$1") + $(stat -c %s "numpy.$1"))); }
pack_pair tar.zst 2>/dev/null
zstd_size=$(size_pair tar.zst)
pack_pair tar.gz 2>/dev/null
gzip_size=$(size_pair tar.gz)

echo "python $("$PYTHON" -c 'import sys; print(sys.version.split()[0])') + numpy: $files files, $(mib "$unpacked") MiB;" \
  "$(nproc) cores; median of $RUNS warm runs"
echo
echo "| command | threads | wall (s) | CPU (s) | size (MiB) | ratio |"
echo "|---|---|---|---|---|---|"
row() {
  printf '| %s | %s | %.2f | %.2f | %s | %.2f |\n' "$1" "$2" "$(cat "$3.time")" "$(cat "$3.cpu")" "$(mib "$4")" \
    "$(echo "$unpacked / $4" | bc -l)"
}
row "pybcast pack python + pack dist numpy, zstd -3" "$threads" zstd "$zstd_size"
row "pybcast pack python + pack dist numpy, zstd -3" 1 zstd1 "$zstd_size"
row "pybcast pack python + pack dist numpy, gzip -6" "$threads" gzip "$gzip_size"
row "pybcast pack python + pack dist numpy, gzip -6" 1 gzip1 "$gzip_size"
row "tar -czf (gzip -6) of the same tree" 1 targz "$(stat -c %s tree.tar.gz)"
row "tar --zstd -cf (zstd -3) of the same tree" 1 tarzst "$(stat -c %s tree.tar.zst)"
