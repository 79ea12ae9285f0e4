#!/bin/bash
# Acceptance: Debian's torch, whose torch/lib/*.so are relative symlinks into
# /usr/lib/x86_64-linux-gnu, packs into a bundle whose links are absolute
# links to those same, existing system paths (not dangling once staged).
. "$(dirname "$0")/lib.sh"
[ -d /usr/lib/python3/dist-packages/torch ] || skip "python3-torch is not installed"

start=$(date +%s)
ok pack dist torch --deps --python /usr/bin/python3 -o torch.tar.zst
echo "pack dist torch --deps: $(($(date +%s) - start)) s, $(stat -c %s torch.tar.zst) bytes"
grep -F "symlinks:" stderr || true
expect_in stderr "to system directories every node has"
mkdir X
tar -xf torch.tar.zst -C X lib/python3/dist-packages/torch/lib
link=X/lib/python3/dist-packages/torch/lib/libtorch_global_deps.so
[ -L "$link" ] || fail "$link is not a symlink"
target=$(readlink "$link")
case $target in /*) ;; *) fail "$link -> $target is not absolute" ;; esac
[ -e "$target" ] || fail "$link -> $target does not exist"
[ "$(realpath "$target")" = "$(realpath /usr/lib/python3/dist-packages/torch/lib/libtorch_global_deps.so)" ] ||
  fail "$link -> $target is not the library the source link reaches"
# Every link that resolves in the source resolves in the extracted copy (some
# point into Debian packages that are not installed, and dangle in both).
for l in X/lib/python3/dist-packages/torch/lib/*; do
  [ -e "/usr/lib/python3/dist-packages/torch/lib/${l##*/}" ] || continue
  [ ! -L "$l" ] || [ -e "$l" ] || fail "dangling after extraction: $l -> $(readlink "$l")"
done
