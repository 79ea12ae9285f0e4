#!/bin/bash
# examples/mpirun.sh for real: packs the bundles when they are missing, then
# mpirun -n 8 python-mpi allreduce_numpy.py on 4 virtual nodes; a second run reuses the stage.
. "$(dirname "$0")/lib.sh"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$SCRATCH/bundles PYBCAST_PYTHON=/usr/bin/python3
export PYBCAST_VIRTUAL_NODES=4 PYBCAST_REPORT=1
cd "$SCRATCH"
set +e
timeout -k 10 240 "$SRC/examples/mpirun.sh" 8 >"$SCRATCH/out" 2>&1
STATUS=$?
set -e
STUB_LOG=/dev/null
expect_allreduce_ok 8
for b in python numpy mpi4py; do [ -s "$SCRATCH/bundles/$b.tar.zst" ] || fail "the recipe did not pack $b"; done
for g in 0 1 2 3; do
  [ "$(count_matches "rank [0-7]: sys.prefix=$CHROOT/pybcast-[0-9]+/vnode-$g/")" -eq 2 ] || fail "vnode $g: $(cat "$SCRATCH/out")"
done
timeout -k 10 240 "$SRC/examples/mpirun.sh" 8 >"$SCRATCH/out" 2>&1 || fail "second run: $(tail "$SCRATCH/out")"
grep -q "cache 4 hit / 0 extracted" "$SCRATCH/out" || fail "second run did not reuse the stage: $(cat "$SCRATCH/out")"
echo "ok: examples/mpirun.sh packs, stages on 4 virtual nodes and runs 8 ranks; the next run hits the cache"
