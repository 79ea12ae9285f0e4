#!/bin/bash
# Under strace -f, exactly one process opens files under PKGROOT, with one
# open per bundle and no stat by path, for 2, 4 and 8 ranks.
. "$(dirname "$0")/../lib/mpi.sh"
command -v strace >/dev/null || fail "strace is required"
cp "$BUNDLES/numpy.tar.gz" "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"
for n in 2 4 8; do
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  log=$SCRATCH/strace.$n
  STRACE_OPTS="-e trace=%file,%stat" strace_mpi "$log" "$n" \
    "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 2 numpy.tar.gz python3.11.tar.zst
  [ "$STATUS" -eq 0 ] || fail "n=$n: stage failed: $(tail -5 "$SCRATCH/out")"
  # One process, one open per bundle, no lookup by path; fstat on the open fd: once at
  # open, once after reading (the changed-while-read check).
  expect_one_reader "$log" "n=$n" 2 4
  echo "ok: n=$n: 1 process, $PKG_OPENS opens, 0 path lookups, $PKG_FD_STATS fstat on open fds"
done
