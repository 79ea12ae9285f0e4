#!/bin/bash
# Test fixture: Debian's python3, numpy and mpi4py as bundles made by
# `pybcast pack` (python.tar.zst, numpy.tar.zst, mpi4py.tar.zst), the names the
# job-script recipes in examples/ use.
set -euo pipefail
out=${1:?output dir}
PYBCAST=${PYBCAST:?}
[ -f "$out/mpi4py.tar.zst" ] && exit 0
mkdir -p "$out.part"
"$PYBCAST" pack python --python /usr/bin/python3 -o "$out.part/python.tar.zst" 2>/dev/null
"$PYBCAST" pack dist numpy --python /usr/bin/python3 -o "$out.part/numpy.tar.zst" 2>/dev/null
"$PYBCAST" pack dist mpi4py --python /usr/bin/python3 -o "$out.part/mpi4py.tar.zst" 2>/dev/null
rm -rf "$out" && mv "$out.part" "$out"
