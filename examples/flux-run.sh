#!/bin/bash
# Flux: inside an allocation (`flux alloc -N 4`) run it directly, or submit it:
#   flux batch -N 4 examples/flux-run.sh [SCRIPT [ARGS...]]
# flux: -N 4
# flux: -t 10m
set -euo pipefail
: "${PYBCAST_EXAMPLES:=/usr/share/pybcast/examples}"
[ $# -gt 0 ] || set -- "$PYBCAST_EXAMPLES/allreduce_numpy.py"
nodes=${NODES:-4}
per_node=${TASKS_PER_NODE:-32}

export PYTHON_MPI_CHROOT=${PYTHON_MPI_CHROOT:-/dev/shm}
export PYTHON_MPI_PKGROOT=${PYTHON_MPI_PKGROOT:-$SCRATCH/bundles}
export PYTHON_MPI_PACKAGES=${PYTHON_MPI_PACKAGES:-python.tar.zst:numpy.tar.zst:mpi4py.tar.zst}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
cd "$SCRATCH"

flux run -N "$nodes" --tasks-per-node="$per_node" -o cpu-affinity=per-task python-mpi "$@"
