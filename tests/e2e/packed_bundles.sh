#!/bin/bash
# The demo's path as a test: bundles made by `pybcast pack` from Debian's
# python3, numpy and mpi4py, then examples/allreduce_numpy.py under
# `mpirun -n 8 python-mpi` on 4 virtual nodes, cold then warm, with the report.
. "$(dirname "$0")/../lib/mpi.sh"
EXAMPLE=$(cd "$(dirname "$0")/../../examples" && pwd)/allreduce_numpy.py
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python-3.11.tar.zst" 2>/dev/null
"$PYBCAST" pack dist numpy --python /usr/bin/python3 -o "$PKGROOT/numpy.tar.zst" 2>/dev/null
"$PYBCAST" pack dist mpi4py --python /usr/bin/python3 -o "$PKGROOT/mpi4py.tar.zst" 2>/dev/null
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.zst:numpy.tar.zst:mpi4py.tar.zst
export PYBCAST_VIRTUAL_NODES=4 PYBCAST_REPORT=1 OPENBLAS_NUM_THREADS=1
for run in cold warm; do
  run_mpi 8 "$PYTHON_MPI" "$EXAMPLE"
  [ "$STATUS" -eq 0 ] || fail "$run run failed: $(cat "$SCRATCH/out")"
  grep -q "allreduce over 8 ranks: .* -> OK" "$SCRATCH/out" || fail "$run: wrong result: $(cat "$SCRATCH/out")"
  grep -q "MPI initialized before Python started: True" "$SCRATCH/out" || fail "$run: MPI not initialized first"
  for g in 0 1 2 3; do
    [ "$(count_matches "rank [0-7]: sys.prefix=$CHROOT/pybcast-[0-9]+/vnode-$g/cache/[0-9a-f]{32}")" -eq 2 ] ||
      fail "$run: vnode $g does not serve 2 ranks: $(cat "$SCRATCH/out")"
  done
  grep -q "launcher start -> Py_BytesMain" "$SCRATCH/out" || fail "$run: no start-up time in the report"
  grep -q "python-mpi: rank 0 finished with status 0: total" "$SCRATCH/out" || fail "$run: no total time"
done
grep -q "cache 4 hit / 0 extracted" "$SCRATCH/out" || fail "warm run did not hit: $(cat "$SCRATCH/out")"
echo "ok: pack-made bundles, 8 ranks on 4 virtual nodes, cold and warm"
