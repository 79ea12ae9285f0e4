#!/bin/bash
# The two-command quick start, command 1: set everything up and run the demo.
# Installs what is missing (apt), builds, makes bundles of Debian's Python
# stdlib and numpy in a pretend shared file system, and stages them with
# 8 MPI ranks on 4 virtual nodes, printing the timing report.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
make build >/dev/null
WORK=${PYBCAST_DEMO_DIR:-$PWD/demo-work}
SHARED=$WORK/shared
export PYTHON_MPI_CHROOT=$WORK/node-local
export PYTHON_MPI_PKGROOT=$SHARED
mkdir -p "$SHARED"
if [ ! -f "$SHARED/python3.11.tar.zst" ]; then
  echo "== packing bundles into $SHARED"
  tar -C /usr/lib -cf - python3.11 | zstd -q -T0 -o "$SHARED/python3.11.tar.zst"
  tar -C /usr/lib/python3/dist-packages -czf "$SHARED/numpy.tar.gz" numpy
fi
export PYTHON_MPI_PACKAGES=python3.11.tar.zst:numpy.tar.gz
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
echo "== staging with 8 ranks on 4 virtual nodes (cold cache)"
rm -rf "$PYTHON_MPI_CHROOT"
mpirun --oversubscribe --bind-to none -n 8 build/bin/pybcast stage --virtual-nodes 4 --report
echo "== again (warm cache: every node hits)"
mpirun --oversubscribe --bind-to none -n 8 build/bin/pybcast stage --virtual-nodes 4 --report
