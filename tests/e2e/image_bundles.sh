#!/bin/bash
# Image bundles (issue 29): the demo's bundles (pack python, pack dist numpy,
# pack dist mpi4py) made into one squashfs image with `pybcast pack image`,
# reproducibly; python-mpi on 4 ranks / 2 virtual nodes mounts it on each
# node at the entry's prefix and gives the same results as the tar bundles;
# warm, the mount is reused from the cache; an unprivileged user (nobody) mounts
# through fusermount3 with the same results; for a user without FUSE access the
# image is extracted and the report says why; nothing stays mounted.
. "$(dirname "$0")/../lib/mpi.sh"
command -v tar2sqfs >/dev/null && command -v squashfuse_ll >/dev/null ||
  skip "squashfs-tools-ng and squashfuse are not installed"
EXAMPLE=$(cd "$(dirname "$0")/../../examples" && pwd)/allreduce_numpy.py
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python-3.11.tar.zst" 2>/dev/null
"$PYBCAST" pack dist numpy --python /usr/bin/python3 --no-check -o "$PKGROOT/numpy.tar.zst" 2>/dev/null
"$PYBCAST" pack dist mpi4py --python /usr/bin/python3 --no-check -o "$PKGROOT/mpi4py.tar.zst" 2>/dev/null
tars=(python-3.11.tar.zst numpy.tar.zst mpi4py.tar.zst)
(cd "$PKGROOT" && "$PYBCAST" pack image "${tars[@]}" -o demo.sqfs 2>"$SCRATCH/pack.err") ||
  fail "pack image failed: $(cat "$SCRATCH/pack.err")"
(cd "$PKGROOT" && "$PYBCAST" pack image "${tars[@]}" -o again.sqfs 2>/dev/null)
cmp -s "$PKGROOT/demo.sqfs" "$PKGROOT/again.sqfs" || fail "pack image is not reproducible"
[ "$(head -c4 "$PKGROOT/demo.sqfs")" = hsqs ] || fail "not a squashfs image"

mounts_under() { grep -c " $1" /proc/self/mountinfo || true; }
# The mount ends with its node leader (its server is sent SIGTERM then): shortly after mpirun.
no_mounts_under() {
  for _ in $(seq 50); do [ "$(mounts_under "$1")" -eq 0 ] && return 0; sleep 0.1; done
  return 1
}
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2 PYBCAST_REPORT=1
export OPENBLAS_NUM_THREADS=1
results() { grep -E "allreduce over|MPI initialized" "$SCRATCH/out"; }

export PYTHON_MPI_PACKAGES=$(IFS=:; echo "${tars[*]}")
run_mpi 4 "$PYTHON_MPI" "$EXAMPLE"
[ "$STATUS" -eq 0 ] || fail "tar bundles failed: $(cat "$SCRATCH/out")"
results >"$SCRATCH/tar.results"

# Our server where it was built (lib/pybcast/ beside the binaries), squashfuse_ll otherwise;
# the warm run always through squashfuse_ll, the fallback, with the same results.
ours=false
[ -x "$(dirname "$PYTHON_MPI")/../lib/pybcast/pybcast-image-server" ] && ours=true
server=squashfuse_ll
[ $ours = false ] || server=pybcast-image-server
export PYTHON_MPI_PACKAGES=demo.sqfs
for run in cold warm; do
  [ $run = cold ] || server=squashfuse_ll
  PYBCAST_TEST_IMAGE_SERVER=$server run_mpi 4 "$PYTHON_MPI" "$EXAMPLE"
  [ "$STATUS" -eq 0 ] || fail "$run image run failed: $(cat "$SCRATCH/out")"
  results | diff "$SCRATCH/tar.results" - >/dev/null || fail "$run: results differ from the tar bundles: $(cat "$SCRATCH/out")"
  grep -qE "image copied whole to each node .*; mounted at the prefix by $server in [0-9.]+ m?s, first access \(its root listed\) [0-9.]+ u?m?s" "$SCRATCH/out" ||
    fail "$run: not mounted, or the report lacks the copy, mount and first-access times: $(cat "$SCRATCH/out")"
  grep -q "image, kept compressed on each node and mounted" "$SCRATCH/out" || fail "$run: the report says an image was unpacked"
  for g in 0 1; do
    [ "$(count_matches "rank [0-3]: sys.prefix=$CHROOT/pybcast-[0-9]+/vnode-$g/cache/[0-9a-f]{32}")" -eq 2 ] ||
      fail "$run: vnode $g does not serve 2 ranks from its prefix: $(cat "$SCRATCH/out")"
  done
  no_mounts_under "$CHROOT" || fail "$run: a mount is left: $(grep " $CHROOT" /proc/self/mountinfo)"
done
grep -q "cache 2 hit / 0 extracted" "$SCRATCH/out" || fail "warm run did not hit: $(cat "$SCRATCH/out")"
ls "$CHROOT"/pybcast-*/vnode-0/images/*/image.sqfs >/dev/null || fail "no image in the node's cache"

# An unprivileged user who may use FUSE (nobody; /dev/fuse open to all, as on Debian): the
# mount goes through the setuid fusermount3, as on clusters; our server, the same results,
# nothing left mounted.
nobody_binaries "$SCRATCH"
chmod 1777 "$SCRATCH"  # nobody writes its rank output here
chmod -R a+rX "$PKGROOT" "$EXAMPLE"
if [ $ours = true ] && user_with_fuse "$SCRATCH"; then
  [ -x "$(dirname "$NOBODY_PYTHON_MPI")/../lib/pybcast/pybcast-image-server" ] ||
    cp -r "$(dirname "$PYTHON_MPI")/../lib" "$(dirname "$NOBODY_PYTHON_MPI")/../"
  mkdir -p -m 1777 "$SCRATCH/user-chroot"
  PYTHON_MPI_CHROOT=$SCRATCH/user-chroot AS_USER=$FUSE_USER run_mpi 4 "$NOBODY_PYTHON_MPI" "$EXAMPLE"
  [ "$STATUS" -eq 0 ] || fail "unprivileged image run failed: $(cat "$SCRATCH/out")"
  results | diff "$SCRATCH/tar.results" - >/dev/null || fail "unprivileged: results differ: $(cat "$SCRATCH/out")"
  grep -qE "mounted at the prefix by pybcast-image-server in" "$SCRATCH/out" ||
    fail "unprivileged: not mounted by our server: $(cat "$SCRATCH/out")"
  # Its mounts live in the private namespace, which ends with its last process: no server may be left.
  for _ in $(seq 50); do pgrep -u nobody -f "pybcast-image-server .*$SCRATCH" >/dev/null || break; sleep 0.1; done
  ! pgrep -u nobody -af "pybcast-image-server .*$SCRATCH" || fail "unprivileged: a server is left"
fi

# No FUSE: a real user without /dev/fuse access (nobody, /dev/fuse a mode-000 file in a
# private mount namespace): extracted through sqfs2tar, same results, the report says why.
# Without root/unshare/setpriv, the test seam stands in for that user.
export PYTHON_MPI_CHROOT=$SCRATCH/nofuse
mkdir -p -m 1777 "$PYTHON_MPI_CHROOT"
if user_without_fuse "$SCRATCH"; then
  why="cannot open /dev/fuse: Permission denied"
  AS_USER=$NO_FUSE_USER run_mpi 4 "$NOBODY_PYTHON_MPI" "$EXAMPLE"
else
  why="PYBCAST_TEST_NO_FUSE=1"
  PYBCAST_TEST_NO_FUSE=1 run_mpi 4 "$PYTHON_MPI" "$EXAMPLE"
fi
[ "$STATUS" -eq 0 ] || fail "no-FUSE run failed: $(cat "$SCRATCH/out")"
results | diff "$SCRATCH/tar.results" - >/dev/null || fail "no-FUSE: results differ: $(cat "$SCRATCH/out")"
grep -q "image extracted on rank 0's node: $why" "$SCRATCH/out" ||
  fail "no-FUSE: the report does not say why ($why): $(cat "$SCRATCH/out")"
[ -f "$PYTHON_MPI_CHROOT"/pybcast-*/vnode-1/cache/*/lib/python3/dist-packages/numpy/__init__.py ] ||
  fail "no-FUSE: numpy not extracted on vnode 1"
[ "$(mounts_under "$PYTHON_MPI_CHROOT")" -eq 0 ] || fail "no-FUSE: something was mounted"
echo "ok: image bundle, reproducible; mounted on 2 virtual nodes cold and warm as the tar bundles, and by an unprivileged user through fusermount3 ($ours = true: our server); extracted for a user without FUSE ($why)"
