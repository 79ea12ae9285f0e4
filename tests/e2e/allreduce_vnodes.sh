#!/bin/bash
# 8 ranks, 4 virtual nodes: a script doing comm.allreduce of a numpy array gets
# the right answer on every rank; sys.prefix, numpy.__file__, mpi4py.__file__
# and sys.executable are under the rank's own node cache; MPI is initialized at
# import; the job exits 0.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
cat >"$SCRATCH/check.py" <<'PY'
import os, sys
from mpi4py import MPI
initialized_at_import = MPI.Is_initialized()
import mpi4py, numpy
comm = MPI.COMM_WORLD
total = comm.allreduce(numpy.arange(5.0) * (comm.rank + 1))
expected = numpy.arange(5.0) * sum(range(1, comm.size + 1))
node = comm.rank * 4 // comm.size
where = f"{sys.argv[1]}/pybcast-{os.geteuid()}/vnode-{node}/"
paths = {"sys.prefix": sys.prefix, "numpy": numpy.__file__, "mpi4py": mpi4py.__file__, "sys.executable": sys.executable}
bad = {k: v for k, v in paths.items() if not v.startswith(where)}
ok = initialized_at_import and numpy.array_equal(total, expected) and not bad
print(f"rank {comm.rank} node {node} {'OK' if ok else 'BAD'} {total.tolist()} {bad}", flush=True)
sys.exit(0 if ok else 1)
PY
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export PYBCAST_VIRTUAL_NODES=4 OPENBLAS_NUM_THREADS=1
run_mpi 8 "$PYTHON_MPI" "$SCRATCH/check.py" "$CHROOT"
[ "$STATUS" -eq 0 ] || fail "job failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(count_matches 'rank [0-7] node [0-3] OK \[0.0, 36.0, 72.0, 108.0, 144.0\] \{\}')" -eq 8 ] ||
  fail "not every rank OK: $(cat "$SCRATCH/out")"
echo "ok: allreduce on 8 ranks / 4 virtual nodes, every path node-local"
