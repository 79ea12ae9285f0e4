#!/bin/bash
# python-mpi on 4 pretend hosts x 2 ranks, production topology, configuration
# passed with `mpirun -x` as on a cluster: each node stages python + numpy +
# mpi4py once into its own /dev/shm; on every rank a numpy allreduce is right,
# socket.gethostname() is the rank's pretend host, the node communicator holds
# exactly that host's 2 ranks, and sys.prefix, sys.executable, numpy and mpi4py
# come from the node-local cache entry.
. "$(dirname "$0")/hosts_lib.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
cat >"$SCRATCH/check.py" <<'PY'
import os, socket, sys
from mpi4py import MPI
import mpi4py, numpy
comm = MPI.COMM_WORLD
node = comm.Split_type(MPI.COMM_TYPE_SHARED)
host = socket.gethostname()
total = comm.allreduce(numpy.arange(5.0) * (comm.rank + 1))
expected = numpy.arange(5.0) * sum(range(1, comm.size + 1))
where = f"/dev/shm/pybcast-{os.getuid()}/cache/"
paths = {"sys.prefix": sys.prefix, "sys.executable": sys.executable, "numpy": numpy.__file__, "mpi4py": mpi4py.__file__}
bad = {k: v for k, v in paths.items() if not v.startswith(where)}
# ppr:2:node fills the hosts in hostfile order.
ok = (host == f"pbh{comm.rank // 2}" and node.size == 2 and set(node.allgather(host)) == {host}
      and numpy.array_equal(total, expected) and not bad)
# A mark in this rank's /dev/shm: the test must find it in its host's directory only.
with open(f"/dev/shm/mark-rank{comm.rank}", "w") as f:
    f.write(host)
print(f"rank {comm.rank} host {host} node-size {node.size} prefix {sys.prefix} "
      f"{'OK' if ok else 'BAD'} {total.tolist()} {bad}", flush=True)
sys.exit(0 if ok else 1)
PY
up_or_skip 4 --slots 2
export PYTHON_MPI_CHROOT=/dev/shm PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export PYBCAST_REPORT=1 OPENBLAS_NUM_THREADS=1
forward=(-x PYTHON_MPI_CHROOT -x PYTHON_MPI_PKGROOT -x PYTHON_MPI_PACKAGES -x PYBCAST_REPORT -x OPENBLAS_NUM_THREADS)

run_hosts "${forward[@]}" "$PYTHON_MPI" "$SCRATCH/check.py"
[ "$STATUS" -eq 0 ] || fail "job failed ($STATUS): $(cat "$SCRATCH/out")"
expect_out "pybcast stage report: 8 ranks on 4 nodes, cache 0 hit / 4 extracted"
cold=$ELAPSED
key=$(common_key)
prefix=/dev/shm/pybcast-$(id -u)/cache/$key
for r in 0 1 2 3 4 5 6 7; do
  h=pbh$((r / 2))
  [ "$(count_matches "rank $r host $h node-size 2 prefix $prefix OK \[0.0, 36.0, 72.0, 108.0, 144.0\] \{\}")" -eq 1 ] ||
    fail "rank $r not OK on $h: $(cat "$SCRATCH/out")"
  [ "$(cat "$(hosts_shm "$h")/mark-rank$r" 2>/dev/null)" = "$h" ] || fail "rank $r did not write to $h's /dev/shm"
done
for h in "${PBH_HOSTS[@]}"; do
  [ "$(ls "$(hosts_shm "$h")" | grep -c '^mark-rank')" -eq 2 ] || fail "$h's /dev/shm holds other hosts' marks: $(ls "$(hosts_shm "$h")")"
  entry=$(host_entry "$h")
  for f in bin/python3.11 lib/python3.11/os.py lib/python3/dist-packages/numpy/__init__.py lib/python3/dist-packages/mpi4py/MPI.*.so; do
    compgen -G "$entry/$f" >/dev/null || fail "$h: $f missing from $entry"
  done
done
expect_no_leftovers_on_hosts

# Warm: every node hits.
run_hosts "${forward[@]}" "$PYTHON_MPI" "$SCRATCH/check.py"
[ "$STATUS" -eq 0 ] || fail "warm job failed ($STATUS): $(cat "$SCRATCH/out")"
expect_out "8 ranks on 4 nodes, cache 4 hit / 0 extracted" "warm run should hit on all 4"
[ "$(count_matches "host pbh[0-3] node-size 2 prefix $prefix OK")" -eq 8 ] || fail "warm run: not every rank OK: $(cat "$SCRATCH/out")"

finish_hosts
echo "ok: python-mpi on 4 pretend hosts x 2 ranks: allreduce, host names, node-local prefixes (cold ${cold}s, warm ${ELAPSED}s)"
