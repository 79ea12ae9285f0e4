#!/bin/bash
# Issue 14: with --extract-threads 1, 2 and 8, 8 ranks on 4 virtual nodes stage
# six bundles merged in order (gz, zst in one frame, zst in many frames, xz,
# plain tar, bz2; with 2+ threads the many frames decode on the frame pool,
# the one frame streams; later ones replace files, symlinks and directories of earlier
# ones and carry hard links), and every node's tree equals `tar -x` of the same
# bundles in the same order: paths, types, modes, sizes, symlink targets,
# mtimes, bytes, and which paths share an inode.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$BUNDLES/numpy.tar.gz" "$BUNDLES/python3.11.tar.zst" "$PKGROOT/"
src=$SCRATCH/src

# mix: many small files in few directories, hard links, symlinks.
mkdir -p "$src/mix/mix/a" "$src/mix/mix/b/deep/er/still" "$src/mix/mix/c"
for i in $(seq 1 1200); do head -c $((i * 7 % 5000)) /dev/urandom >"$src/mix/mix/a/f$i.py"; done
for i in $(seq 1 300); do echo "b $i" >"$src/mix/mix/b/f$i"; ln -s "f$i" "$src/mix/mix/b/l$i"; done
for i in $(seq 1 50); do head -c 70000 /dev/urandom >"$src/mix/mix/c/t$i.so"; ln "$src/mix/mix/c/t$i.so" "$src/mix/mix/c/h$i.so"; done
head -c $((6 << 20)) /dev/urandom >"$src/mix/mix/b/deep/er/still/big.bin"  # written by the parser itself
ln -s a "$src/mix/mix/swap"
mkdir "$src/mix/mix/empty"
touch -d 2020-01-02 "$src/mix/mix/a" "$src/mix/mix/b/f7"
# over: replaces files (new bytes, symlinks), a symlink by a directory, one numpy file.
mkdir -p "$src/over/mix/a" "$src/over/mix/b" "$src/over/mix/swap" "$src/over/numpy"
for i in $(seq 1 1200 | awk 'NR % 4 == 1'); do echo "over $i" >"$src/over/mix/a/f$i.py"; done
for i in $(seq 2 10 1200); do ln -s "f1.py" "$src/over/mix/a/f$i.py"; done
for i in $(seq 1 10 300); do echo "over link $i" >"$src/over/mix/b/l$i"; done
echo inside >"$src/over/mix/swap/now-a-dir"
echo "version = 'replaced'" >"$src/over/numpy/version.py"
chmod 0640 "$src/over/mix/a/f1.py"
# links: hard links to files written just before them; the same path twice.
mkdir -p "$src/links/mix/c"
for i in $(seq 1 200); do head -c 3000 /dev/urandom >"$src/links/mix/c/x$i"; ln "$src/links/mix/c/x$i" "$src/links/mix/c/y$i"; done
# last: a directory of the first bundle's made into a file... of an empty one only (non-empty ones are refused).
mkdir -p "$src/last/mix"
echo "no longer a directory" >"$src/last/mix/empty"

tar -C "$src/mix" -cf - mix | split -b 1M - "$SCRATCH/mix.part."
for part in "$SCRATCH"/mix.part.*; do zstd -q -3 -c "$part"; done >"$PKGROOT/mix-frames.tar.zst"
[ "$(ls "$SCRATCH"/mix.part.* | wc -l)" -gt 3 ] || fail "expected a zstd bundle of several frames"
tar -C "$src/over" -cf - mix numpy | xz -1 >"$PKGROOT/over.tar.xz"
tar -C "$src/links" -cf "$PKGROOT/links.tar" mix
tar -C "$src/links" -rf "$PKGROOT/links.tar" mix/c/x1  # a second member of the same path
tar -C "$src/last" -cf - mix | bzip2 -1 >"$PKGROOT/last.tar.bz2"
bundles=(numpy.tar.gz python3.11.tar.zst mix-frames.tar.zst over.tar.xz links.tar last.tar.bz2)

mkdir "$SCRATCH/ref"
for b in "${bundles[@]}"; do tar -C "$SCRATCH/ref" -xf "$PKGROOT/$b"; done
as_published "$SCRATCH/ref"
tree_listing "$SCRATCH/ref" >"$SCRATCH/ref.list"
[ "$(wc -l <"$SCRATCH/ref.list")" -gt 3000 ] || fail "reference tree is unexpectedly small"

# Paths of the tree that share an inode, one line per group, sorted. (Staged
# .pyc files have a second link outside the entry, in the node's bytecode
# mirror: single paths are left out.)
inode_groups() {
  (cd "$1" && find . -path ./.pybcast -prune -o -type f -links +1 -printf '%i %P\n') | sort -k1,1 -k2 |
    awk '$1 != last { if (n > 1) print line; line = $2; last = $1; n = 1; next } { line = line " " $2; n++ }
         END { if (n > 1) print line }' | sort
}
inode_groups "$SCRATCH/ref" >"$SCRATCH/ref.links"
[ "$(wc -l <"$SCRATCH/ref.links")" -ge 240 ] || fail "reference tree has too few hard links: $(wc -l <"$SCRATCH/ref.links")"

for threads in 1 2 8; do
  chmod -R u+w "$CHROOT" 2>/dev/null || true
  rm -rf "${CHROOT:?}"/*
  stage 8 --virtual-nodes 4 --chunk-size 256K --extract-threads "$threads" --report "${bundles[@]}"
  [ "$STATUS" -eq 0 ] || fail "$threads threads: stage failed: $(cat "$SCRATCH/out")"
  grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" || fail "$threads threads: expected 4 extractions: $(cat "$SCRATCH/out")"
  if [ "$threads" -eq 1 ]; then
    grep -q "extract threads: 1 (the tar parser writes every file)" "$SCRATCH/out" || fail "report lacks the thread line: $(cat "$SCRATCH/out")"
  else
    [ "$(grep -cE '^ +writer [0-9]+ +busy' "$SCRATCH/out")" -eq "$threads" ] || fail "$threads threads: report lacks per-writer lines: $(cat "$SCRATCH/out")"
    # zstd -c of a file states each frame's size: its frames decode on the pool.
    grep -qE "mix-frames.tar.zst .* zstd, [0-9]+ frames on $threads threads" "$SCRATCH/out" ||
      fail "$threads threads: the many-frame bundle was not decoded on the frame pool: $(cat "$SCRATCH/out")"
    [ "$(grep -cE '^ +decoder [0-9]+ +busy' "$SCRATCH/out")" -eq "$threads" ] || fail "$threads threads: report lacks per-decoder lines: $(cat "$SCRATCH/out")"
  fi
  grep -q "memory (rank 0): peak RSS" "$SCRATCH/out" || fail "report lacks the memory line: $(cat "$SCRATCH/out")"
  for g in 0 1 2 3; do
    prefix=$(vnode_prefix "$g")
    tree_listing "$prefix" >"$SCRATCH/node$g.list"
    diff -u "$SCRATCH/ref.list" "$SCRATCH/node$g.list" >"$SCRATCH/diff" ||
      fail "$threads threads: vnode $g metadata differs: $(head -20 "$SCRATCH/diff")"
    diff -r --no-dereference -x .pybcast "$SCRATCH/ref" "$prefix" >/dev/null || fail "$threads threads: vnode $g contents differ"
    inode_groups "$prefix" >"$SCRATCH/node$g.links"
    diff -u "$SCRATCH/ref.links" "$SCRATCH/node$g.links" >"$SCRATCH/diff" ||
      fail "$threads threads: vnode $g hard links differ: $(head -20 "$SCRATCH/diff")"
  done
  echo "ok: --extract-threads $threads: 4 virtual nodes identical to tar -x of 6 merged bundles"
done
