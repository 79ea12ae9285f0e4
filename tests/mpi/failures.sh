#!/bin/bash
# Corrupt, missing and hostile bundles end all 8 ranks with one message naming
# the bundle (and entry), quickly, leaving no tmp dir, no cache entry, and
# nothing outside CHROOT.
. "$(dirname "$0")/../lib/mpi.sh"
HOSTILE="$(dirname "$0")/../tools/make_hostile.py"
OUTSIDE=$SCRATCH/outside
mkdir -p "$OUTSIDE"
cp "$BUNDLES/numpy.tar.gz" "$PKGROOT/good.tar.gz"
/usr/bin/python3 - "$PKGROOT" <<'PY'
import sys
root = sys.argv[1]
data = open(root + "/good.tar.gz", "rb").read()
open(root + "/truncated.tar.gz", "wb").write(data[: len(data) // 2])
flipped = bytearray(data)
flipped[len(data) // 3] ^= 0x40
open(root + "/flipped.tar.gz", "wb").write(bytes(flipped))
PY
for kind in dotdot absolute symlink-escape hardlink-outside chardev; do
  "$HOSTILE" "$kind" "$PKGROOT/$kind.tar.gz" "$OUTSIDE"
done

check() {
  local bundle=$1 expected=$2
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  stage 8 --virtual-nodes 4 --chunk-size 64K good.tar.gz "$bundle"
  expect_failure_everywhere 8 "$expected"
  expect_clean_cache
  [ -z "$(ls -A "$OUTSIDE")" ] || fail "$bundle wrote outside: $(ls -A "$OUTSIDE")"
  [ ! -e "$SCRATCH/x" ] && [ ! -e "$CHROOT/x" ] || fail "$bundle escaped with ../x"
  [ -z "$(find "$CHROOT" -name x -o -name pwned -o -name abs | head -1)" ] || fail "$bundle left a hostile file"
  printf 'ok: %-24s %5.2fs  %s\n' "$bundle" "$ELAPSED" "$(grep -m1 '^pybcast: error' "$SCRATCH/out")"
  awk -v t="$ELAPSED" 'BEGIN { exit !(t < 20) }' || fail "$bundle took ${ELAPSED}s"
}

check truncated.tar.gz "bundle 'truncated.tar.gz': truncated gzip data"
check flipped.tar.gz "bundle 'flipped.tar.gz'"
check missing.tar.gz "cannot open 1 of 2 bundles: 'missing.tar.gz'"
check dotdot.tar.gz "bundle 'dotdot.tar.gz': entry '../x': path contains a '..' component"
check absolute.tar.gz "bundle 'absolute.tar.gz': entry '$OUTSIDE/abs': absolute path refused"
check symlink-escape.tar.gz "bundle 'symlink-escape.tar.gz': entry 'evil/pwned': path passes through the symlink 'evil'"
check hardlink-outside.tar.gz "bundle 'hardlink-outside.tar.gz': entry 'h': hard link target '$OUTSIDE/target' refused"
check chardev.tar.gz "bundle 'chardev.tar.gz': entry 'dev/null': device nodes are not allowed"
# A later good run on the same CHROOT succeeds: failures left nothing in the way.
stage 8 --virtual-nodes 4 good.tar.gz
[ "$STATUS" -eq 0 ] || fail "good bundle failed after failures: $(cat "$SCRATCH/out")"
echo "ok: all failures agreed on every rank"
