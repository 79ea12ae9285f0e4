#!/bin/bash
# What verifying while extracting costs (issue 24): a pack-made bundle of a big
# tree staged by `mpirun -n 1 pybcast stage --extract-threads N` with its
# members checked against the manifest (names, types, sizes, every file's
# xxh3 where it is written: the default) and without (the test seam
# PYBCAST_TEST_SKIP_MANIFEST_CHECK=1; the frame trailer and the decoders'
# checks stay), into /dev/shm; alternating, REPEAT rounds, medians and ratios.
#   [THREADS="1 2"] bench/verify_bench.sh [TREE] [REPEAT]   (default: /usr/lib/python3/dist-packages, 7)
set -euo pipefail
tree=${1:-/usr/lib/python3/dist-packages}
repeat=${2:-7}
read -r -a threads <<<"${THREADS:-1 2}"
bin=${PYBCAST_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}/bin
pybcast=${PYBCAST:-$bin/pybcast}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
work=$(mktemp -d /dev/shm/pybcast-verifybench-XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
name=$(basename "$tree")
mkdir "$work/prefix" && cp -a "$tree" "$work/prefix/$name"
"$pybcast" pack dir --no-default-excludes --no-compile -o "$work/b.pack.tar.zst" "$work/prefix" >/dev/null 2>&1
entries=$(find "$work/prefix" | wc -l) bytes=$(du -sm "$work/prefix" | cut -f1)
rm -rf "$work/prefix"
echo "pack bundle of $tree: $entries entries, $bytes MiB unpacked, $(du -m "$work/b.pack.tar.zst" | cut -f1) MiB; $(nproc) cores" >&2
# "wall cpu": elapsed seconds, and user + system CPU seconds of the whole process tree
# (steadier than wall time on a shared VM: what verification costs is CPU).
measure() {
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; } 2>&1)
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' <<<"$t"
}
fresh() { chmod -R u+w "$work/c" 2>/dev/null || true; rm -rf "$work/c"; mkdir "$work/c"; }
stage() { mpirun -n 1 "$pybcast" stage --chroot "$work/c" --pkgroot "$work" --extract-threads "$1" b.pack.tar.zst; }
unchecked() { PYBCAST_TEST_SKIP_MANIFEST_CHECK=1 stage "$@"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
declare -A wall=() cpu=()
for ((rep = 1; rep <= repeat; rep++)); do
  for n in "${threads[@]}"; do
    for mode in verified unchecked; do
      fresh
      read -r w c < <(if [ $mode = verified ]; then measure stage "$n"; else measure unchecked "$n"; fi)
      wall[$mode $n]+=" $w" cpu[$mode $n]+=" $c"
    done
  done
done
echo "== medians of $repeat alternating runs (all under mpirun -n 1): wall seconds, CPU seconds (user + system)"
for n in "${threads[@]}"; do
  for mode in verified unchecked; do
    printf '  --extract-threads %s  %-9s wall %6s  cpu %6s   (wall:%s)\n' "$n" "$mode" \
      "$(echo "${wall[$mode $n]}" | median)" "$(echo "${cpu[$mode $n]}" | median)" "${wall[$mode $n]}"
  done
  awk -v vw="$(echo "${wall[verified $n]}" | median)" -v uw="$(echo "${wall[unchecked $n]}" | median)" \
    -v vc="$(echo "${cpu[verified $n]}" | median)" -v uc="$(echo "${cpu[unchecked $n]}" | median)" -v n="$n" \
    'BEGIN { printf "  ratio, %s thread(s): verified / unchecked: wall %.3f (%+.1f %%), cpu %.3f (%+.1f %%)\n", n, vw / uw, (vw / uw - 1) * 100, vc / uc, (vc / uc - 1) * 100 }'
done
