#!/bin/bash
# Debian's parallel h5py from pack-made bundles (issue 26): `pack dist
# h5py._debian_h5py_mpi h5py` and the reverse order give the same members
# (h5py/__init__.py, which chooses between Debian's builds, included), and
# h5py's driver='mpio' writes one file from 4 ranks / 2 virtual nodes.
. "$(dirname "$0")/../lib/mpi.sh"
PY=/usr/bin/python3
"$PY" -c 'import h5py._debian_h5py_mpi' 2>/dev/null || skip "Debian's python3-h5py-mpi is not installed"
[ "$PYBCAST_MPI" = openmpi ] || skip "Debian's h5py-mpi and mpi4py are built against Open MPI"
cd "$SCRATCH"
pack() { "$PYBCAST" pack "$@" --python "$PY" --no-compile >pack.out 2>&1 || fail "pack $*: $(tail -3 pack.out)"; }
pack dist h5py._debian_h5py_mpi h5py -o "$PKGROOT/h5py.tar.zst"
pack dist h5py h5py._debian_h5py_mpi -o reverse.tar.zst
tar -tf "$PKGROOT/h5py.tar.zst" | sort >first.list
tar -tf reverse.tar.zst | sort >second.list
grep -qx "lib/python3/dist-packages/h5py/__init__.py" first.list || fail "no h5py/__init__.py in the bundle"
diff first.list second.list >order.diff || fail "the order of names changes the members: $(head -5 order.diff)"
echo "ok: both orders give the same $(wc -l <first.list) members, h5py/__init__.py included"
pack python -o "$PKGROOT/python.tar.zst"
pack dist numpy mpi4py -o "$PKGROOT/site.tar.zst"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python.tar.zst:site.tar.zst:h5py.tar.zst
export PYBCAST_VIRTUAL_NODES=2 OMPI_MCA_io=^ompio  # ROMIO: ompio's shared-file locking is not needed for this
run_mpi 4 "$PYTHON_MPI" -c '
import os, sys, h5py, numpy
from mpi4py import MPI
comm = MPI.COMM_WORLD
r, n = comm.Get_rank(), comm.Get_size()
path = sys.argv[1]
with h5py.File(path, "w", driver="mpio", comm=comm) as f:
    d = f.create_dataset("x", (n, 4), dtype="i8")
    d[r] = numpy.arange(4) + 10 * r
comm.Barrier()
ok = h5py.__file__.startswith(os.environ["PYTHON_MPI_CHROOT"] + "/")
if r == 0:
    with h5py.File(path, "r") as f:
        ok = ok and (f["x"][:] == numpy.arange(4) + 10 * numpy.arange(n)[:, None]).all()
print("MPIO", "ok" if comm.allreduce(ok, op=MPI.LAND) else "BAD", h5py.h5.get_config().mpi)' "$SCRATCH/out.h5"
[ "$STATUS" -eq 0 ] || fail "job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'MPIO ok True')" -eq 4 ] || fail "driver=mpio from 4 ranks: $(grep -a MPIO "$SCRATCH/out")"
echo "ok: h5py driver='mpio' wrote one file from 4 ranks / 2 virtual nodes, from the node copies"
