#!/bin/bash
# A prefix of N shared libraries with absolute RUNPATHs into itself (issue
# 25), staged cold as a directory vs as its pack-made bundle, side by side in
# one run: `mpirun -n K pybcast stage` timed whole on K virtual nodes,
# alternating, REPEAT rounds, medians and the dir/bundle ratio. Staging the
# directory rewrites every RUNPATH to $ORIGIN (in place; patchelf only for a
# longer text); the bundle had that done at pack time.
#   bench/runpath_bench.sh [N] [REPEAT]   (default: 200, 5)
set -euo pipefail
n=${1:-200}
repeat=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
pybcast=${PYBCAST:-$root/build/bin/pybcast}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
mpi=(mpirun --oversubscribe --bind-to none)
work=$(mktemp -d /dev/shm/pybcast-rpbench-XXXXXX)
disk=$(mktemp -d "${TMPDIR:-/tmp}/pybcast-rpbench-XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work" "$disk"' EXIT
prefix=$disk/prefix
"$root/tests/tools/make_runpath_prefix.sh" "$prefix" "$n" "$disk/build"
"$pybcast" pack dir "$prefix" -o "$disk/prefix.tar.zst" >/dev/null 2>&1
echo "prefix: $n libraries with RUNPATH $prefix/lib; pack-made bundle $(du -k "$disk/prefix.tar.zst" | cut -f1) KiB" >&2

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/err" || { echo "failed: $* $(tail -3 "$work/err")" >&2; exit 1; }; echo "$(date +%s.%N) - $s" | bc; }
fresh() { chmod -R u+w "$work/c" 2>/dev/null || true; rm -rf "$work/c"; mkdir "$work/c"; }
stage() { seconds "${mpi[@]}" -n "$1" "$pybcast" stage --chroot "$work/c" --virtual-nodes "$1" "$2"; }
declare -A runs
for ((rep = 1; rep <= repeat; rep++)); do
  for k in 1 4; do
    fresh; runs[dir-$k]+=" $(stage "$k" "$prefix")"
    fresh; runs[bundle-$k]+=" $(stage "$k" "$disk/prefix.tar.zst")"
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
printf '%-24s %-10s %-40s %-10s %-40s %s\n' "cold stage" "dir s" "(runs)" "bundle s" "(runs)" "dir/bundle"
for k in 1 4; do
  d=$(echo "${runs[dir-$k]}" | median) b=$(echo "${runs[bundle-$k]}" | median)
  printf '%-24s %-10s %-40s %-10s %-40s %.2f\n' "$k virtual node(s)" "$d" "(${runs[dir-$k]# })" "$b" "(${runs[bundle-$k]# })" \
    "$(echo "$d / $b" | bc -l)"
done
fresh
"${mpi[@]}" -n 1 "$pybcast" stage --chroot "$work/c" --report "$prefix" 2>&1 | grep -a "RUNPATH made" >&2 || true
