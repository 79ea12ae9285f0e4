#!/bin/bash
# Issue 24: a cache entry is keyed on the bundle's identity as every node and
# every mount of a shared file system sees it (path, size, mtime, ctime,
# inode), not on the client's device number; and a rewrite in place with size
# and mtime kept is a change.
#   1. a bundle read through a new mount of its file system (here a second
#      slowfs FUSE mount of the same tree: another st_dev, the same inode and
#      times): a hit on every node; the bundle rewritten in place with its size
#      and mtime kept (`cp -p`, `rsync -t --inplace`): a miss, the new content;
#   2. a directory bundle's file rewritten the same way, between a job on 2
#      nodes and one on 4: every node stages the new content (before, the 2
#      old nodes hit their old entries and the 2 new ones staged the new
#      content: one job, two versions).
. "$(dirname "$0")/../lib/mpi.sh"
. "$REPO/bench/lib/slowfs.sh"
why=$(slowfs_check) || skip "$why"
trap 'slowfs_cleanup_all; scratch_cleanup' EXIT

# rewrite FILE OLD NEW: replaces the bytes OLD by NEW (same length) in place, size and mtime kept.
rewrite() {
  local mtime
  mtime=$(stat -c %y "$1")
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
with open(path, "r+b") as f:
    data = f.read()
    at = data.index(old)
    f.seek(at)
    f.write(new)
PY
  touch -m -d "$mtime" "$1"
}

# --- 1. a new mount of the same file system ---------------------------------
src=$SCRATCH/src
mkdir -p "$src/data"
echo "version AAAA" >"$src/data/version.txt"
tar -C "$src" -cf "$src/b.tar" data  # uncompressed: a same-size rewrite of its content stays a valid tar
slowfs_mount "$src" "$SCRATCH/mount-1" --latency-ms=0
slowfs_mount "$src" "$SCRATCH/mount-2" --latency-ms=0
PKGROOT=$SCRATCH/pkgroot  # the path the key holds; the mount behind it changes
ln -s "$SCRATCH/mount-1" "$PKGROOT"
stage 4 --virtual-nodes 2 --report b.tar
[ "$STATUS" -eq 0 ] || fail "first stage: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 2 extracted" "$SCRATCH/out" || fail "first stage: $(grep -a cache "$SCRATCH/out")"
seen_1=$(stat -L -c '%d %i %s %Y %Z' "$PKGROOT/b.tar")
ln -sfn "$SCRATCH/mount-2" "$PKGROOT"
seen_2=$(stat -L -c '%d %i %s %Y %Z' "$PKGROOT/b.tar")
[ "${seen_1%% *}" != "${seen_2%% *}" ] || fail "the two mounts have the same st_dev: $seen_1"
[ "${seen_1#* }" = "${seen_2#* }" ] || fail "the mounts disagree on inode, size or times: $seen_1 / $seen_2"
stage 4 --virtual-nodes 2 --report b.tar
[ "$STATUS" -eq 0 ] || fail "stage through the new mount: $(cat "$SCRATCH/out")"
grep -q "cache 2 hit / 0 extracted" "$SCRATCH/out" ||
  fail "the unchanged bundle through a new mount (st_dev ${seen_1%% *} -> ${seen_2%% *}) was not a hit: $(grep -a cache "$SCRATCH/out")"
echo "ok: the same bundle read through a new mount of its file system (another st_dev) is a hit on every node"

rewrite "$src/b.tar" "version AAAA" "version BBBB"
seen_3=$(stat -L -c '%d %i %s %Y %Z' "$PKGROOT/b.tar")
[ "$(echo "$seen_3" | cut -d' ' -f2-4)" = "$(echo "$seen_2" | cut -d' ' -f2-4)" ] || fail "size or mtime not kept: $seen_3"
stage 4 --virtual-nodes 2 --report b.tar
[ "$STATUS" -eq 0 ] || fail "stage after the rewrite: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 2 extracted" "$SCRATCH/out" || fail "the rewritten bundle was a hit: $(grep -a cache "$SCRATCH/out")"
key=$(basename "$(grep -m1 -o "$CHROOT/[^ ]*/cache/[0-9a-f]*" "$SCRATCH/out")")
for g in 0 1; do
  grep -q "version BBBB" "$CHROOT/pybcast-$(id -u)/vnode-$g/cache/$key/data/version.txt" ||
    fail "vnode $g does not have the new content"
done
echo "ok: a bundle rewritten in place with its size and mtime kept is a miss, and every node has the new content"

# --- 2. a directory bundle's file rewritten in place ------------------------
tree=$SCRATCH/tree
mkdir -p "$tree/lib"
echo "VALUE = 1" >"$tree/lib/mod.py"
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
stage 2 --virtual-nodes 2 "$tree"
[ "$STATUS" -eq 0 ] || fail "directory, 2 nodes: $(cat "$SCRATCH/out")"
rewrite "$tree/lib/mod.py" "VALUE = 1" "VALUE = 2"
stage 4 --virtual-nodes 4 --report "$tree"
[ "$STATUS" -eq 0 ] || fail "directory, 4 nodes: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" ||
  fail "nodes with the old entry hit it after a rewrite in place: $(grep -a cache "$SCRATCH/out")"
key=$(basename "$(grep -m1 -o "$CHROOT/[^ ]*/cache/[0-9a-f]*" "$SCRATCH/out")")
for g in 0 1 2 3; do
  grep -q "VALUE = 2" "$CHROOT/pybcast-$(id -u)/vnode-$g/cache/$key/lib/mod.py" || fail "vnode $g does not have the new content"
done
echo "ok: a directory bundle's file rewritten in place with size and mtime kept: every node stages the new content"
