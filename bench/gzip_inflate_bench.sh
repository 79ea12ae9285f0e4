#!/bin/bash
# gzip inflaters side by side (issue 14): one .tar.gz of a big tree, staged by
# `mpirun -n 1 pybcast stage` with ISA-L (the default) and with zlib
# (PYBCAST_GZIP_INFLATER=zlib), against pigz|tar, igzip|tar and gzip|tar into
# /dev/shm; alternating, REPEAT rounds, medians and ratios. Not part of run-all.sh
# (stage_bench.py runs the same methods on its own stack).
#   bench/gzip_inflate_bench.sh [TREE] [REPEAT]   (default: /usr/lib/python3/dist-packages, 3)
set -euo pipefail
tree=${1:-/usr/lib/python3/dist-packages}
repeat=${2:-3}
pybcast=${PYBCAST:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/pybcast}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
work=$(mktemp -d /dev/shm/pybcast-gzbench-XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
tar -C "$(dirname "$tree")" -cf - "$(basename "$tree")" | pigz -6 >"$work/b.tar.gz"
echo "bundle: $tree as tar | pigz -6: $(du -m "$work/b.tar.gz" | cut -f1) MiB" >&2
seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; echo "$(date +%s.%N) - $s" | bc; }
fresh() { chmod -R u+w "$work/c" 2>/dev/null || true; rm -rf "$work/c"; mkdir "$work/c"; }
declare -A runs
names=(isal zlib pigz igzip gzip)
for ((rep = 1; rep <= repeat; rep++)); do
  fresh; runs[isal]+=" $(seconds mpirun -n 1 "$pybcast" stage --chroot "$work/c" --pkgroot "$work" b.tar.gz)"
  fresh; runs[zlib]+=" $(PYBCAST_GZIP_INFLATER=zlib seconds mpirun -n 1 -x PYBCAST_GZIP_INFLATER "$pybcast" stage --chroot "$work/c" --pkgroot "$work" b.tar.gz)"
  fresh; runs[pigz]+=" $(seconds bash -c "pigz -dc '$work/b.tar.gz' | tar -C '$work/c' -x")"
  if command -v igzip >/dev/null; then fresh; runs[igzip]+=" $(seconds bash -c "igzip -dc '$work/b.tar.gz' | tar -C '$work/c' -x")"; fi
  fresh; runs[gzip]+=" $(seconds bash -c "gzip -dc '$work/b.tar.gz' | tar -C '$work/c' -x")"
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
declare -A med
for n in "${names[@]}"; do [ -n "${runs[$n]:-}" ] && med[$n]=$(echo "${runs[$n]}" | median); done
printf '%-32s %s\n' "method" "median s (runs)"
printf '%-32s %s (%s)\n' "pybcast stage, ISA-L" "${med[isal]}" "${runs[isal]# }" "pybcast stage, zlib" "${med[zlib]}" "${runs[zlib]# }" \
  "pigz -dc | tar -x" "${med[pigz]}" "${runs[pigz]# }" "gzip -dc | tar -x" "${med[gzip]}" "${runs[gzip]# }"
[ -z "${med[igzip]:-}" ] || printf '%-32s %s (%s)\n' "igzip -dc | tar -x" "${med[igzip]}" "${runs[igzip]# }"
awk -v i="${med[isal]}" -v z="${med[zlib]}" -v p="${med[pigz]}" -v g="${med[gzip]}" \
  'BEGIN { printf "ratios: ISA-L/zlib %.2f, ISA-L/(pigz|tar) %.2f, ISA-L/(gzip|tar) %.2f\n", i / z, i / p, i / g }'
