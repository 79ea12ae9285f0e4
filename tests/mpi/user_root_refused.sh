#!/bin/bash
# A pre-existing $CHROOT/pybcast-<uid> that is a symlink, or has mode 0777,
# is refused on every rank; nothing is written through the symlink. One that
# another user made (0700, so we cannot even open it) is refused naming its
# owner (as user nobody, so that the permission check applies).
. "$(dirname "$0")/../lib/mpi.sh"
cp "$BUNDLES/numpy.tar.gz" "$PKGROOT/"
uid=$(id -u)

mkdir -p "$SCRATCH/elsewhere"
ln -s "$SCRATCH/elsewhere" "$CHROOT/pybcast-$uid"
stage 4 numpy.tar.gz
expect_failure_everywhere 4 "$CHROOT/pybcast-$uid is a symlink; refusing"
[ -z "$(ls -A "$SCRATCH/elsewhere")" ] || fail "wrote through the symlink"
rm "$CHROOT/pybcast-$uid"

mkdir -m 0777 "$CHROOT/pybcast-$uid"
chmod 0777 "$CHROOT/pybcast-$uid"
stage 4 numpy.tar.gz
expect_failure_everywhere 4 "has mode 0777: group/other may access it"
[ -z "$(ls -A "$CHROOT/pybcast-$uid")" ] || fail "used a world-writable root"
echo "ok: symlink and 0777 roots refused"

if ! command -v setpriv >/dev/null || [ "$uid" -ne 0 ]; then
  echo "not checked: another user's root (needs root and setpriv to run as nobody)"
  exit 0
fi
chmod 1777 "$SCRATCH" "$CHROOT"  # nobody writes its rank output and its root here
nobody_binaries "$SCRATCH"
nobody=$(id -u nobody)
mkdir -m 0700 "$CHROOT/pybcast-$nobody"
chown 12345:12345 "$CHROOT/pybcast-$nobody"
AS_USER="setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=$SCRATCH" \
  run_mpi 4 "$NOBODY_PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" numpy.tar.gz
expect_failure_everywhere 4 "$CHROOT/pybcast-$nobody is owned by uid 12345, not by us (uid $nobody)"
if grep -q "Permission denied" "$SCRATCH/out"; then fail "a bare Permission denied: $(cat "$SCRATCH/out")"; fi
echo "ok: another user's 0700 root refused, naming its owner"
