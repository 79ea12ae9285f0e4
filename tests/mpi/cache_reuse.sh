#!/bin/bash
# A second stage of the same bundles is a cache hit on every node and reads no
# bundle bytes; touching a bundle (new mtime) makes it a miss.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$BUNDLES/numpy.tar.gz" "$PKGROOT/"
stage 8 --virtual-nodes 4 --report numpy.tar.gz
[ "$STATUS" -eq 0 ] || fail "first stage failed: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" || fail "first run should extract: $(cat "$SCRATCH/out")"
first=$(vnode_prefix 1)

log=$SCRATCH/warm.strace
STRACE_OPTS="-e trace=read,pread64,readv,preadv" strace_mpi "$log" 8 \
  "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 4 --report numpy.tar.gz
[ "$STATUS" -eq 0 ] || fail "warm stage failed: $(cat "$SCRATCH/out")"
grep -q "cache 4 hit / 0 extracted" "$SCRATCH/out" || fail "warm run should hit everywhere: $(cat "$SCRATCH/out")"
# strace -y names each fd's file: no read of any kind may target a bundle.
if grep -F "<$PKGROOT/" "$log" | grep -q .; then
  fail "warm run read bundle bytes: $(grep -m3 -F "<$PKGROOT/" "$log")"
fi
[ "$(vnode_prefix 1)" = "$first" ] || fail "warm run used another entry"
# The check can fail: the first (cold) run does read the bundle this way.
rm -rf "$CHROOT"/pybcast-*/vnode-3
STRACE_OPTS="-e trace=read,pread64,readv,preadv" strace_mpi "$log" 8 \
  "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 4 numpy.tar.gz
grep -F "<$PKGROOT/" "$log" | grep -q pread64 || fail "the read check is blind: a cold node read nothing"

touch "$PKGROOT/numpy.tar.gz"
stage 8 --virtual-nodes 4 --report numpy.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage after touch failed: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" || fail "touched bundle should miss: $(cat "$SCRATCH/out")"
echo "ok: warm hit on 4 nodes without reading; touch -> miss"

# Rewritten in place with the same size and its mtime restored (cp -p, rsync -t --inplace):
# still a miss, and the new content is what is staged.
printf 'first\n' >"$SCRATCH/a.txt" && printf 'other\n' >"$SCRATCH/b.txt"
mkdir -p "$SCRATCH/v1" "$SCRATCH/v2" && cp "$SCRATCH/a.txt" "$SCRATCH/v1/version.txt" && cp "$SCRATCH/b.txt" "$SCRATCH/v2/version.txt"
(cd "$SCRATCH/v1" && tar --mtime=@0 --owner=0 --group=0 -cf "$PKGROOT/inplace.tar" version.txt)
(cd "$SCRATCH/v2" && tar --mtime=@0 --owner=0 --group=0 -cf "$SCRATCH/inplace-v2.tar" version.txt)
[ "$(stat -c %s "$PKGROOT/inplace.tar")" = "$(stat -c %s "$SCRATCH/inplace-v2.tar")" ] || fail "the two versions differ in size"
stage 8 --virtual-nodes 4 --report inplace.tar
[ "$STATUS" -eq 0 ] || fail "stage of v1 failed: $(cat "$SCRATCH/out")"
touch -r "$PKGROOT/inplace.tar" "$SCRATCH/mtime-ref"
dd if="$SCRATCH/inplace-v2.tar" of="$PKGROOT/inplace.tar" conv=notrunc status=none
touch -r "$SCRATCH/mtime-ref" "$PKGROOT/inplace.tar"
stage 8 --virtual-nodes 4 --report inplace.tar
[ "$STATUS" -eq 0 ] || fail "stage of v2 failed: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" || fail "a bundle rewritten in place (mtime restored) was a hit: $(cat "$SCRATCH/out")"
for g in 0 1 2 3; do
  grep -qx other "$CHROOT"/pybcast-*/vnode-$g/cache/"$(grep -oE 'key [0-9a-f]{32}' "$SCRATCH/out" | cut -d' ' -f2)"/version.txt ||
    fail "vnode $g does not run the new content"
done
echo "ok: a bundle rewritten in place with its mtime restored is a miss; every node stages the new content"

# Issue 18 (suspected: no size cap in a RAM-backed /dev/shm): --cache-max
# removes idle entries, least recently used first, after an extraction; the
# entry just staged (in use by the job) stays.
rm -rf "$CHROOT"/pybcast-*
cp "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"
stage 2 --virtual-nodes 1 numpy.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage numpy: $(cat "$SCRATCH/out")"
stage 2 --virtual-nodes 1 inplace.tar
[ "$STATUS" -eq 0 ] || fail "stage inplace: $(cat "$SCRATCH/out")"
[ "$(ls "$CHROOT"/pybcast-*/vnode-0/cache | wc -l)" -eq 2 ] || fail "expected two entries"
PYBCAST_CACHE_MAX=1K stage 2 --virtual-nodes 1 --report python3.11.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage with PYBCAST_CACHE_MAX: $(cat "$SCRATCH/out")"
grep -q "cache-max 1.00 KiB: removed 2 idle cache entries" "$SCRATCH/out" || fail "no eviction reported: $(cat "$SCRATCH/out")"
[ "$(ls "$CHROOT"/pybcast-*/vnode-0/cache)" = "$(grep -oE 'key [0-9a-f]{32}' "$SCRATCH/out" | cut -d' ' -f2)" ] ||
  fail "the new entry should be the only one left: $(ls "$CHROOT"/pybcast-*/vnode-0/cache)"
echo "ok: --cache-max evicts idle entries, least recently used first, and keeps the one just staged"

# --trace writes a new file under a random name and renames it into place: a
# symlink at the trace's path (a shared directory, another user) is replaced,
# never written through.
echo original >"$SCRATCH/victim"
ln -s "$SCRATCH/victim" "$SCRATCH/trace.json"
stage 2 --virtual-nodes 1 --trace "$SCRATCH/trace.json" python3.11.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage --trace: $(cat "$SCRATCH/out")"
[ "$(cat "$SCRATCH/victim")" = original ] || fail "the trace was written through a symlink"
[ -f "$SCRATCH/trace.json" ] && [ ! -L "$SCRATCH/trace.json" ] && grep -q traceEvents "$SCRATCH/trace.json" ||
  fail "no trace written at its path"
echo "ok: --trace replaces a symlink at its path, never writes through it"
