#!/bin/bash
# Thread scaling of extraction (issue 14): one tree as a zstd and as a plain tar
# bundle, staged by `mpirun -n 1 pybcast stage --extract-threads 1` and `... 2`
# against `mpirun -n 1 tar -xf` into /dev/shm; alternating, REPEAT rounds,
# medians and ratios. Whole processes on both sides (MPI start-up included).
# Also prints one --report of each thread count (per-writer busy time, peak RSS).
#   [THREADS="1 2"] bench/extract_threads_bench.sh [TREE] [REPEAT]
#   (default: /usr/lib/python3/dist-packages, 5)
set -euo pipefail
tree=${1:-/usr/lib/python3/dist-packages}
repeat=${2:-5}
read -r -a threads <<<"${THREADS:-1 2}"
pybcast=${PYBCAST:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/pybcast}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
work=$(mktemp -d /dev/shm/pybcast-threadbench-XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
tar -C "$(dirname "$tree")" -cf "$work/b.tar" "$(basename "$tree")"
zstd -q -3 -T0 "$work/b.tar" -o "$work/b.tar.zst"
echo "bundles: $tree as tar ($(du -m "$work/b.tar" | cut -f1) MiB) and tar | zstd -3 ($(du -m "$work/b.tar.zst" | cut -f1) MiB), $(tar -tf "$work/b.tar" | wc -l) entries" >&2
seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; printf '%.3f\n' "$(echo "$(date +%s.%N) - $s" | bc)"; }
fresh() { chmod -R u+w "$work/c" 2>/dev/null || true; rm -rf "$work/c"; mkdir "$work/c"; }
stage() { mpirun -n 1 "$pybcast" stage --chroot "$work/c" --pkgroot "$work" --extract-threads "$@"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
for format in zst tar; do
  bundle=b.tar; [ "$format" = tar ] || bundle=b.tar.$format
  declare -A runs=()
  for ((rep = 1; rep <= repeat; rep++)); do
    for n in "${threads[@]}"; do fresh; runs[$n]+=" $(seconds stage "$n" "$bundle")"; done
    fresh; runs[tar]+=" $(seconds mpirun -n 1 tar -C "$work/c" -xf "$work/$bundle")"
  done
  declare -A med=()
  for key in "${!runs[@]}"; do med[$key]=$(echo "${runs[$key]}" | median); done
  echo "== $format bundle: median seconds of $repeat alternating runs (all under mpirun -n 1)"
  printf '  %-34s %8s  %s\n' "tar -xf" "${med[tar]}" "(${runs[tar]# })"
  for n in "${threads[@]}"; do
    printf '  %-34s %8s  %s\n' "pybcast stage --extract-threads $n" "${med[$n]}" "(${runs[$n]# })"
  done
  for n in "${threads[@]}"; do
    awk -v t="${med[$n]}" -v one="${med[${threads[0]}]}" -v tar="${med[tar]}" -v n="$n" -v first="${threads[0]}" \
      'BEGIN { printf "  ratios: %s thread(s) / tar %.2f", n, t / tar; if (n != first) printf ", %s / %s threads %.2f", n, first, t / one; print "" }'
  done
  unset runs med
done
for n in "${threads[@]}"; do
  fresh
  echo "== --report, --extract-threads $n, zst bundle"
  stage "$n" --report b.tar.zst 2>&1 >/dev/null | grep -E "extract|writer|memory|throughput"
done
