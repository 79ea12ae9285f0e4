#!/bin/bash
# Under strace -f, exactly one process opens files under PKGROOT, with one
# open per bundle and no stat by path, for 2, 4 and 8 ranks.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace is required"
cp "$BUNDLES/numpy.tar.gz" "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"
for n in 2 4 8; do
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  log=$SCRATCH/strace.$n
  STRACE_OPTS="-e trace=%file,%stat" strace_mpi "$log" "$n" \
    "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 2 numpy.tar.gz python3.11.tar.zst
  [ "$STATUS" -eq 0 ] || fail "n=$n: stage failed: $(tail -5 "$SCRATCH/out")"
  # Every syscall that names PKGROOT, by path or (strace -y) by fd; execve's argv mentions it too.
  grep -F "$PKGROOT" "$log" | grep -v ' execve(' >"$log.pkg" || true
  procs=$(awk '{print $1}' "$log.pkg" | sort -u | wc -l)
  opens=$(grep -cE "open(at)?\((AT_FDCWD(<[^>]*>)?, )?\"$PKGROOT/" "$log.pkg" || true)
  by_path=$(grep -F "\"$PKGROOT" "$log.pkg" | grep -cvE ' open(at)?\(' || true)
  fd_stats=$(grep -cE "fstat(at)?\([0-9]+<$PKGROOT/" "$log.pkg" || true)
  [ "$procs" -eq 1 ] || fail "n=$n: $procs processes touched PKGROOT: $(head "$log.pkg")"
  [ "$opens" -eq 2 ] || fail "n=$n: expected 2 opens (one per bundle), got $opens: $(cat "$log.pkg")"
  [ "$by_path" -eq 0 ] || fail "n=$n: metadata calls by path under PKGROOT: $(grep -F "\"$PKGROOT" "$log.pkg")"
  # fstat on the open fd: once at open, once after reading (the changed-while-read check).
  [ "$fd_stats" -le 4 ] || fail "n=$n: $fd_stats fstat calls on bundles"
  echo "ok: n=$n: 1 process, $opens opens, 0 path lookups, $fd_stats fstat on open fds"
done
