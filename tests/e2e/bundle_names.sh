#!/bin/bash
# Bundles named as users write them: an absolute path and a path in a
# sub-directory of PKGROOT (pack-made, so each carries .pybcast/manifest.json),
# and one with '..' in it. python-mpi runs from them on 2 virtual nodes, each
# bundle's metadata lands in one directory under .pybcast/bundles/, and
# nothing is created outside the prefix.
. "$(dirname "$0")/../lib/mpi.sh"
mkdir -p "$PKGROOT/sub" "$PKGROOT/other"
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python.tar.zst" 2>/dev/null
"$PYBCAST" pack dist numpy --python /usr/bin/python3 -o "$PKGROOT/sub/numpy.tar.zst" 2>/dev/null
"$PYBCAST" pack dist mpi4py --python /usr/bin/python3 -o "$PKGROOT/other/mpi4py.tar.zst" 2>/dev/null
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1
export PYTHON_MPI_PACKAGES=$PKGROOT/python.tar.zst:sub/numpy.tar.zst:sub/../../shared/other/mpi4py.tar.zst
run_mpi 2 "$PYTHON_MPI" -c 'import numpy, mpi4py.MPI, sys; print("ran", sys.prefix, numpy.__file__.startswith(sys.prefix))'
[ "$STATUS" -eq 0 ] || fail "the job failed: $(cat "$SCRATCH/out")"
[ "$(count_matches "ran $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/[0-9a-f]{32} True")" -eq 2 ] || fail "$(cat "$SCRATCH/out")"
for g in 0 1; do
  prefix=$(vnode_prefix $g)
  names=$(ls "$prefix/.pybcast/bundles")
  [ "$(echo "$names" | wc -l)" -eq 3 ] || fail "vnode $g: expected 3 bundle metadata directories: $names"
  for n in $names; do
    [ -f "$prefix/.pybcast/bundles/$n/manifest.json" ] || fail "vnode $g: no manifest in .pybcast/bundles/$n"
  done
  stray=$(find "$CHROOT/pybcast-$(id -u)/vnode-$g" -name manifest.json ! -path "$prefix/.pybcast/bundles/*/manifest.json")
  [ -z "$stray" ] || fail "vnode $g: bundle metadata outside the prefix's .pybcast/bundles: $stray"
done
[ -z "$(find "$CHROOT" -mindepth 1 -maxdepth 1 ! -name 'pybcast-*')" ] || fail "something was created next to the user root: $(ls "$CHROOT")"
echo "ok: bundles named by absolute path, sub-directory and '..' stage and run; their metadata stays inside the prefix"
