#!/bin/bash
# Image bundles (issue 29) vs tar bundles, cold, one node, 1 rank, alternating
# runs, medians: staging time (the report's total: copy + verify + mount, or
# broadcast + extract), time to the first import (mpirun start to the end of
# `import $MODULES`, staging included), and the node-local bytes each leaves
# in the cache. Not a test: prints the medians and the ratios (image / tar).
#   bench/image_bench.sh [RUNS] [MODULES]   e.g. bench/image_bench.sh 5 "numpy scipy.linalg pandas"
# PACK_DISTS (default: the modules' top packages) are packed with `pack dist --deps`.
# IMAGE_VARIANTS: `pack image` options, one variant per ';' (default: the
# default level and block size, zstd 3, zstd 15 with 1M blocks).
# BENCH_CHROOT: the node-local root (default /dev/shm, as PYTHON_MPI_CHROOT's default).
set -euo pipefail
runs=${1:-5}
modules=${2:-"numpy mpi4py"}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${PYBCAST_BIN:-$repo/build/bin}
work=$(mktemp -d /tmp/pybcast-image-bench-XXXXXX)
chroot_base=$(mktemp -d "${BENCH_CHROOT:-/dev/shm}/pybcast-image-bench-XXXXXX")
trap 'rm -rf "$work" "$chroot_base"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
IFS=';' read -r -a variants <<<"${IMAGE_VARIANTS:---level 6;--level 3;--level 15 --block-size 1048576}"
dists=${PACK_DISTS:-$(for m in $modules; do echo "${m%%.*}"; done | sort -u | tr '\n' ' ')}
"$bin/pybcast" pack python --python /usr/bin/python3 -o "$work/python.tar.zst" 2>/dev/null
# shellcheck disable=SC2086
"$bin/pybcast" pack dist $dists --deps --no-check --python /usr/bin/python3 -o "$work/site.tar.zst" 2>/dev/null
echo "stack: python.tar.zst $(du -h "$work/python.tar.zst" | cut -f1) + site.tar.zst $(du -h "$work/site.tar.zst" | cut -f1)" \
  "($dists); import $modules; $runs runs each, alternating; chroot $chroot_base"
for i in "${!variants[@]}"; do
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  (cd "$work" && "$bin/pybcast" pack image python.tar.zst site.tar.zst ${variants[$i]} -o "image$i.sqfs" 2>/dev/null)
  end=$(date +%s.%N)
  printf "image%d: pack image %-36s %8s in %.1f s\n" "$i" "${variants[$i]}" "$(du -h "$work/image$i.sqfs" | cut -f1)" \
    "$(echo "$end - $start" | bc)"
done
imports=$(echo "$modules" | tr ' ' ',')

one_run() {  # $1: packages; prints "stage_seconds total_seconds bytes"
  local chroot=$chroot_base/run-$RANDOM$RANDOM
  mkdir -p "$chroot"
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  local start end out
  start=$(date +%s.%N)
  out=$(mpirun -n 1 -x PYTHON_MPI_CHROOT="$chroot" -x PYTHON_MPI_PKGROOT="$work" -x PYTHON_MPI_PACKAGES="$1" \
    -x PYBCAST_REPORT=1 "$bin/python-mpi" -c "import $imports" 2>&1) || {
    echo "failed: $1: $out" >&2
    exit 1
  }
  end=$(date +%s.%N)
  local stage bytes
  stage=$(echo "$out" | awk '/^  total /{v=$3; u=$4; if (u=="ms") v/=1000; if (u=="us") v/=1e6; print v}')
  bytes=$(du -sb --exclude=pycache "$chroot" | cut -f1)
  rm -rf "$chroot"
  echo "$stage $(echo "$end - $start" | bc) $bytes"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
: >"$work/tar.txt"
for i in "${!variants[@]}"; do : >"$work/image$i.txt"; done
for _ in $(seq "$runs"); do
  one_run python.tar.zst:site.tar.zst >>"$work/tar.txt"
  for i in "${!variants[@]}"; do one_run "image$i.sqfs" >>"$work/image$i.txt"; done
done
for col in 1 2 3; do
  name=$(case $col in 1) echo "staging (s)" ;; 2) echo "to first import (s)" ;; 3) echo "node bytes held" ;; esac)
  t=$(cut -d' ' -f$col "$work/tar.txt" | median)
  line=$(printf "%-20s tar %10s" "$name" "$t")
  for i in "${!variants[@]}"; do
    m=$(cut -d' ' -f$col "$work/image$i.txt" | median)
    line+=$(printf "  image%d %10s (%.2fx)" "$i" "$m" "$(echo "$m / $t" | bc -l)")
  done
  echo "$line"
done
