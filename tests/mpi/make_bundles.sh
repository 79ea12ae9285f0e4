#!/bin/bash
# Test fixture: real Debian trees as bundles, built once per build directory.
set -euo pipefail
out=${1:?output dir}
mkdir -p "$out"
[ -f "$out/numpy.tar.gz" ] && [ -f "$out/python3.11.tar.zst" ] && exit 0
tar -C /usr/lib/python3/dist-packages -czf "$out/numpy.tar.gz.part" numpy
mv "$out/numpy.tar.gz.part" "$out/numpy.tar.gz"
tar -C /usr/lib -cf - python3.11 | zstd -q -3 -T0 -o "$out/python3.11.tar.zst.part"
mv "$out/python3.11.tar.zst.part" "$out/python3.11.tar.zst"
