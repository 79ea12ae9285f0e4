#!/bin/bash
# The two-command quick start, command 1: set everything up and run the demo.
# Installs what is missing (apt), builds, packs Debian's python3 + numpy +
# mpi4py into bundles in a pretend shared file system, then runs an mpi4py +
# numpy script with `mpirun -n 8 python-mpi` on 4 virtual nodes: cold cache,
# then warm. Prints the script's result and the timing report.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
./scripts/install-deps.sh demo
echo "== building pybcast and python-mpi (dependencies ready after $((SECONDS - started)) s)"
make programs >/dev/null
echo "== built after $((SECONDS - started)) s"
PYBCAST=$PWD/build/bin/pybcast
WORK=${PYBCAST_DEMO_DIR:-$PWD/demo-work}
SHARED=$WORK/shared
mkdir -p "$SHARED"
if [ ! -f "$SHARED/mpi4py.tar.zst" ]; then
  echo "== packing /usr/bin/python3, numpy and mpi4py into $SHARED"
  "$PYBCAST" pack python --python /usr/bin/python3 -o "$SHARED/python-3.11.tar.zst"
  "$PYBCAST" pack dist numpy --python /usr/bin/python3 -o "$SHARED/numpy.tar.zst"
  "$PYBCAST" pack dist mpi4py --python /usr/bin/python3 -o "$SHARED/mpi4py.tar.zst"
fi

# Exactly the original python-mpi-bcast configuration.
export PYTHON_MPI_CHROOT=$WORK/node-local
export PYTHON_MPI_PKGROOT=$SHARED
export PYTHON_MPI_PACKAGES=python-3.11.tar.zst:numpy.tar.zst:mpi4py.tar.zst
# One machine standing in for 4 nodes; a timing report on rank 0.
export PYBCAST_VIRTUAL_NODES=4 PYBCAST_REPORT=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
rm -rf "$PYTHON_MPI_CHROOT"
echo
echo "== mpirun -n 8 python-mpi examples/allreduce_numpy.py   (cold: every node extracts)"
mpirun --oversubscribe --bind-to none -n 8 build/bin/python-mpi examples/allreduce_numpy.py
echo
echo "== again   (warm: every node reuses its cache, nothing is read from $SHARED)"
mpirun --oversubscribe --bind-to none -n 8 build/bin/python-mpi examples/allreduce_numpy.py
