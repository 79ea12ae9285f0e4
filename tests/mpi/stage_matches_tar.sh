#!/bin/bash
# 8 ranks on 4 virtual nodes stage a .tar.gz and a .tar.zst of real Debian
# trees; every node's tree equals `tar -x` of the same bundles (paths, types,
# modes, sizes, symlink targets, mtimes, bytes), with the modes publishing
# gives (read-only, directories at least u+rx).
. "$(dirname "$0")/../lib/mpi.sh"
cp "$BUNDLES/numpy.tar.gz" "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"

# A small chunk size makes the pipeline run hundreds of chunks and failure checks.
stage 8 --virtual-nodes 4 --chunk-size 256K --report numpy.tar.gz python3.11.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage failed: $(cat "$SCRATCH/out")"
grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" || fail "expected 4 extractions: $(cat "$SCRATCH/out")"

mkdir "$SCRATCH/ref"
tar -C "$SCRATCH/ref" -xzf "$PKGROOT/numpy.tar.gz"
tar -C "$SCRATCH/ref" --zstd -xf "$PKGROOT/python3.11.tar.zst"
as_published "$SCRATCH/ref"
tree_listing "$SCRATCH/ref" >"$SCRATCH/ref.list"
[ "$(wc -l <"$SCRATCH/ref.list")" -gt 1000 ] || fail "reference tree is unexpectedly small"

for g in 0 1 2 3; do
  prefix=$(vnode_prefix "$g")
  tree_listing "$prefix" >"$SCRATCH/node$g.list"
  diff -u "$SCRATCH/ref.list" "$SCRATCH/node$g.list" >"$SCRATCH/diff" || fail "vnode $g metadata differs: $(head -20 "$SCRATCH/diff")"
  diff -r --no-dereference -x .pybcast "$SCRATCH/ref" "$prefix" >/dev/null || fail "vnode $g contents differ"
  # The printed prefix is rank 0's node entry.
done
grep -qx "$(vnode_prefix 0)" "$SCRATCH/out" || fail "rank 0 did not print its prefix"
# The Debian symlink to /etc is kept and reported.
[ "$(readlink "$(vnode_prefix 2)/python3.11/sitecustomize.py")" = /etc/python3.11/sitecustomize.py ] || fail "symlink lost"
grep -q "python3.11/sitecustomize.py -> /etc/python3.11/sitecustomize.py" "$SCRATCH/out" || fail "outside symlink not reported"
echo "ok: 4 virtual nodes identical to tar -x"
