#!/bin/bash
# A pre-existing $CHROOT/pybcast-<uid> that is a symlink, or has mode 0777,
# is refused on every rank; nothing is written through the symlink.
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
