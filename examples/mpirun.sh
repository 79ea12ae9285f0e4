#!/bin/bash
# pybcast with plain mpirun: a workstation, or a cluster without a scheduler.
#   examples/mpirun.sh [RANKS] [SCRIPT [ARGS...]]
# Packs Python, numpy and mpi4py into $PYTHON_MPI_PKGROOT the first time (on a
# cluster do that once, on a login node), then runs SCRIPT under
# `mpirun -n RANKS python-mpi`: rank 0 reads each bundle once, one rank per node
# extracts it into $PYTHON_MPI_CHROOT, and every rank imports from there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ranks=${1:-4}
shift || true
[ $# -gt 0 ] || set -- "$here/allreduce_numpy.py"

export PYTHON_MPI_CHROOT=${PYTHON_MPI_CHROOT:-/dev/shm}
export PYTHON_MPI_PKGROOT=${PYTHON_MPI_PKGROOT:-$PWD/bundles}
export PYTHON_MPI_PACKAGES=${PYTHON_MPI_PACKAGES:-python.tar.zst:numpy.tar.zst:mpi4py.tar.zst}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# Once: the bundles (the python that has numpy and mpi4py; Debian's here).
python=${PYBCAST_PYTHON:-python3}
mkdir -p "$PYTHON_MPI_PKGROOT"
[ -e "$PYTHON_MPI_PKGROOT/python.tar.zst" ] || pybcast pack python --python "$python" -o "$PYTHON_MPI_PKGROOT/python.tar.zst"
[ -e "$PYTHON_MPI_PKGROOT/numpy.tar.zst" ] || pybcast pack dist numpy --python "$python" -o "$PYTHON_MPI_PKGROOT/numpy.tar.zst"
[ -e "$PYTHON_MPI_PKGROOT/mpi4py.tar.zst" ] || pybcast pack dist mpi4py --python "$python" -o "$PYTHON_MPI_PKGROOT/mpi4py.tar.zst"

# Every job: stage and run. PYBCAST_REPORT=1 prints where the time went.
mpirun -n "$ranks" python-mpi "$@"
