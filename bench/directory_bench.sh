#!/bin/bash
# Directories as bundles (issue 15), side by side in one run: a big tree
# staged as a directory vs as the pack-made bundle of the same tree (zstd),
# cold (empty node-local root) and warm (every node has the entry), on 1 and
# 4 virtual nodes; `mpirun -n K pybcast stage` timed whole, alternating,
# REPEAT rounds, medians and ratios. Then the per-entry walk cost of a warm
# step with the tree on bench/slowfs at 0.2 and 1 ms per operation (a
# smaller tree: WALK_TREE, default pyenv's or Debian's stdlib).
#   bench/directory_bench.sh [TREE] [REPEAT]   (default: /usr/lib/python3/dist-packages, 3)
# The directory staged is a prefix with a copy of TREE as its
# lib/python3/dist-packages, on the disk of TMPDIR (a symlink into /usr/lib
# would be kept as a link to a system directory).
set -euo pipefail
tree=${1:-/usr/lib/python3/dist-packages}
repeat=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
pybcast=${PYBCAST:-$root/build/bin/pybcast}
export SLOWFS=${SLOWFS:-$(dirname "$pybcast")/slowfs}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
mpi=(mpirun --oversubscribe --bind-to none)
work=$(mktemp -d /dev/shm/pybcast-dirbench-XXXXXX)
disk=$(mktemp -d "${TMPDIR:-/tmp}/pybcast-dirbench-XXXXXX")
. "$root/bench/lib/slowfs.sh"
trap 'slowfs_cleanup_all; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work" "$disk"' EXIT
mkdir -p "$disk/env/lib/python3"
cp -a "$tree" "$disk/env/lib/python3/dist-packages"
"$pybcast" pack dir "$disk/env" -o "$disk/env.tar.zst" >/dev/null 2>&1
entries=$(find "$disk/env" | wc -l)
echo "tree: $tree, $entries entries, $(du -sm "$disk/env" | cut -f1) MiB; pack-made bundle $(du -m "$disk/env.tar.zst" | cut -f1) MiB" >&2

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/err" || { echo "failed: $* $(tail -3 "$work/err")" >&2; exit 1; }; echo "$(date +%s.%N) - $s" | bc; }
fresh() { chmod -R u+w "$work/c" 2>/dev/null || true; rm -rf "$work/c"; mkdir "$work/c"; }
stage() {  # K WHAT
  local k=$1 what=$2
  seconds "${mpi[@]}" -n "$k" "$pybcast" stage --chroot "$work/c" --virtual-nodes "$k" "$what"
}
declare -A runs
for ((rep = 1; rep <= repeat; rep++)); do
  for k in 1 4; do
    fresh; runs[dir-cold-$k]+=" $(stage "$k" "$disk/env")"
    runs[dir-warm-$k]+=" $(stage "$k" "$disk/env")"
    fresh; runs[bundle-cold-$k]+=" $(stage "$k" "$disk/env.tar.zst")"
    runs[bundle-warm-$k]+=" $(stage "$k" "$disk/env.tar.zst")"
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
printf '%-26s %-12s %-30s %-12s %-30s %s\n' "case" "dir s" "(runs)" "bundle s" "(runs)" "dir/bundle"
for state in cold warm; do
  for k in 1 4; do
    d=$(echo "${runs[dir-$state-$k]}" | median) b=$(echo "${runs[bundle-$state-$k]}" | median)
    printf '%-26s %-12s %-30s %-12s %-30s %.2f\n' "$state, $k virtual node(s)" "$d" "(${runs[dir-$state-$k]# })" "$b" \
      "(${runs[bundle-$state-$k]# })" "$(echo "$d / $b" | bc -l)"
  done
done

# The walk on a slow shared file system: a warm step's rank 0 does it all.
stdlib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
walk_trees=${WALK_TREES:-$stdlib/email $stdlib/asyncio $stdlib/json $stdlib/xml}
if why=$(slowfs_check); then
  mkdir -p "$disk/src/tree"
  for t in $walk_trees; do cp -a "$t" "$disk/src/tree/"; done
  for latency in 0.2 1; do
    slowfs_mount "$disk/src" "$disk/mnt" --latency-ms="$latency"
    fresh
    "${mpi[@]}" -n 1 "$pybcast" stage --chroot "$work/c" "$disk/mnt/tree" >/dev/null 2>&1
    line=$("${mpi[@]}" -n 1 "$pybcast" stage --chroot "$work/c" --report "$disk/mnt/tree" 2>&1 >/dev/null | grep 'walked' || true)
    echo "slowfs ${latency} ms/op, warm: ${line# }"
    slowfs_umount "$disk/mnt"
  done
else
  echo "slowfs part skipped: $why"
fi
