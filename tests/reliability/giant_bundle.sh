#!/bin/bash
# A legitimate giant: a bundle over 4 GiB (uncompressed tar, so the bytes that
# travel are > 4 GiB; the original tool aborted with MPI_ERR_COUNT past 2 GiB)
# staged to 2 virtual nodes and verified byte for byte. Every 1 MiB block of
# the payload is distinct, so a chunk written at a wrong offset is caught.
. "$(dirname "$0")/../lib/mpi.sh"
SIZE_MIB=${PYBCAST_GIANT_MIB:-4200}
# The two node-local copies go to /dev/shm, as in production (a disk-backed
# CHROOT would measure the disk); the bundle itself stays on disk.
gib() { echo $(( $1 / 1024 / 1024 )); }
need_shm=$(( SIZE_MIB * 2 / 1024 + 1 ))
need_disk=$(( SIZE_MIB / 1024 + 1 ))
shm=$(gib "$(df --output=avail -k /dev/shm | tail -1)")
mem=$(gib "$(awk '/MemAvailable/ {print $2}' /proc/meminfo)")
disk=$(gib "$(df --output=avail -k "$SCRATCH" | tail -1)")
if [ "$shm" -lt "$need_shm" ] || [ "$mem" -lt $(( need_shm + 2 )) ] || [ "$disk" -lt "$need_disk" ]; then
  skip "needs ${need_shm} GiB of /dev/shm and memory and ${need_disk} GiB of disk (has $shm, $mem, $disk)"
fi
CHROOT=$(mktemp -d /dev/shm/pybcast-giant-XXXXXX)
trap 'rm -rf "$CHROOT"; scratch_cleanup' EXIT
digest=$(/usr/bin/python3 - "$PKGROOT/giant.tar" "$SIZE_MIB" <<'PY'
import hashlib, sys, tarfile

path, mib = sys.argv[1], int(sys.argv[2])

class Pattern:
    """Reads as SIZE MiB where block i repeats the 8-byte index i."""
    def __init__(self):
        self.block, self.offset, self.md5 = 0, 0, hashlib.md5()
    def read(self, n):
        out = bytearray()
        while n > 0 and self.block < mib:
            piece = (self.block.to_bytes(8, "little") * 131072)[self.offset:self.offset + n]
            out += piece
            n -= len(piece)
            self.offset += len(piece)
            if self.offset == 1 << 20:
                self.block, self.offset = self.block + 1, 0
        self.md5.update(out)
        return bytes(out)

pattern = Pattern()
info = tarfile.TarInfo("data/giant.bin")
info.size = mib << 20
info.mtime = 1700000000
# copybufsize: addfile reads the payload in 1 MiB pieces, one block each (its
# default, 16 KiB, made each read build a whole 1 MiB block for 1/64 of it).
with tarfile.open(path, "w", format=tarfile.PAX_FORMAT, bufsize=1 << 20, copybufsize=1 << 20) as tar:
    tar.addfile(info, pattern)
print(pattern.md5.hexdigest())
PY
)
bundle_bytes=$(stat -c %s "$PKGROOT/giant.tar")
[ "$bundle_bytes" -gt $(( 4 << 30 )) ] || fail "the bundle is only $bundle_bytes bytes"

stage 2 --virtual-nodes 2 --chunk-size 16M --report giant.tar
[ "$STATUS" -eq 0 ] || fail "staging the giant failed: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 2 extracted" "$SCRATCH/out" || fail "expected 2 extractions: $(cat "$SCRATCH/out")"
a=$(vnode_prefix 0)/data/giant.bin
b=$(vnode_prefix 1)/data/giant.bin
[ "$(stat -c %s "$a")" -eq $(( SIZE_MIB << 20 )) ] || fail "wrong size on vnode 0"
cmp "$a" "$b" || fail "the two nodes' copies differ"
[ "$(md5sum <"$a" | cut -d' ' -f1)" = "$digest" ] || fail "the staged copy differs from the payload"
echo "ok: $bundle_bytes-byte bundle staged to 2 virtual nodes, both copies verified"
grep -E 'compressed ->|broadcast  |extract  ' "$SCRATCH/out" | sed 's/^/  /'
