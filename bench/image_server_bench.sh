#!/bin/bash
# Warm imports of later processes from one image bundle, side by side: the
# image's tree extracted into tmpfs (what tar staging leaves), mounted by
# Debian's squashfuse_ll, and mounted by pybcast-image-server (issue 29: the
# warm goal is <= 1.05x of the extracted tree). Each variant is warmed once,
# then RUNS rounds alternate them; medians and ratios to the tree. Not a test.
#   bench/image_server_bench.sh IMAGE.sqfs [RUNS] [CODE]
#   e.g. bench/image_server_bench.sh torch.sqfs 21 "import numpy, torch"
# IMAGE: an image bundle holding a Python prefix (pybcast pack image / --format squashfs).
# PYTHONDONTWRITEBYTECODE is set (the image holds no bytecode it could add), PYTHONUNBUFFERED unset.
set -euo pipefail
image=$(realpath "${1:?IMAGE.sqfs}")
runs=${2:-15}
code=${3:-"import numpy, torch"}
repo=$(cd "$(dirname "$0")/.." && pwd)
server=${PYBCAST_IMAGE_SERVER:-$repo/build/lib/pybcast/pybcast-image-server}
[ -x "$server" ] || { echo "no $server (build the pybcast-image-server target)" >&2; exit 1; }
work=$(mktemp -d /dev/shm/pybcast-server-bench-XXXXXX)
cleanup() {
  for m in squashfuse_ll ours; do fusermount3 -u -z "$work/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/tree" "$work/squashfuse_ll" "$work/ours"
sqfs2tar --no-skip "$image" 2>/dev/null | tar -x -C "$work/tree"
squashfuse_ll -o ro "$image" "$work/squashfuse_ll"
"$server" "$image" "$work/ours" &
for _ in $(seq 100); do mountpoint -q "$work/ours" && break; sleep 0.05; done
export PYTHONDONTWRITEBYTECODE=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
unset PYTHONUNBUFFERED
variants=(tree squashfuse_ll ours)
for v in "${variants[@]}"; do "$work/$v/bin/python3" -c "$code"; done
declare -A times
for _ in $(seq "$runs"); do
  for v in "${variants[@]}"; do
    start=$(date +%s%N)
    "$work/$v/bin/python3" -c "$code"
    times[$v]+="$((($(date +%s%N) - start) / 1000)) "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "image $(basename "$image"), '$code', $runs rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
base=$(echo "${times[tree]}" | median)
for v in "${variants[@]}"; do
  m=$(echo "${times[$v]}" | median)
  printf "  %-14s median %6.0f ms  %sx the extracted tree\n" "$v" "$(echo "$m / 1000" | bc -l)" "$(echo "scale=3; $m / $base" | bc)"
done
