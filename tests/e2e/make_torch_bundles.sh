#!/bin/bash
# Test fixture: Debian's PyTorch stack as a user packs it (pack python; pack
# dist torch --deps; pack dist numpy typing_extensions mpi4py, which Debian's
# metadata leaves out of torch's requirements, and mpi4py), and the same three
# bundles as one image (pack image), where squashfs-tools-ng is installed.
# Written to OUT (made anew each run: the bundles are pybcast's own output):
#   OUT/python.tar.zst OUT/torch.tar.zst OUT/site.tar.zst [OUT/torch.sqfs]
# Used by e2e_torch_stack and hosts_image, which would otherwise pack them
# twice. Skips (77) without python3-torch, as they do.
set -euo pipefail
out=${1:?output dir}
PYBCAST=${PYBCAST:?the pybcast under test}
py=/usr/bin/python3
rm -rf "$out" "$out.part" # no bundles of an earlier run: their tests skip with this one
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "SKIP: Debian's python3-torch is not installed"
  exit 77
fi
mkdir -p "$out.part"
pack() {
  "$PYBCAST" pack "$@" 2>"$out.part/pack.err" || { echo "FAIL: pybcast pack $*: $(cat "$out.part/pack.err")" >&2; exit 1; }
}
pack python --python "$py" -o "$out.part/python.tar.zst"
pack dist torch --deps --python "$py" -o "$out.part/torch.tar.zst"
pack dist numpy typing_extensions mpi4py --python "$py" -o "$out.part/site.tar.zst"
if command -v tar2sqfs >/dev/null; then
  (cd "$out.part" && pack image python.tar.zst torch.tar.zst site.tar.zst -o torch.sqfs)
fi
rm "$out.part/pack.err"
mv "$out.part" "$out"
ls -l "$out"
