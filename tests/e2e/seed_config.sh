#!/bin/bash
# The seed's configuration style, unchanged: PYTHON_MPI_CHROOT, PYTHON_MPI_PKGROOT,
# PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz, bundles with a
# top directory, with and without a user PYTHONHOME under the chroot.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/seed/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export OPENBLAS_NUM_THREADS=1
code='import sys, numpy; from mpi4py import MPI; print("prefix", MPI.COMM_WORLD.rank, sys.prefix, numpy.__file__)'

unset PYTHONHOME
run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "without PYTHONHOME: $(cat "$SCRATCH/out")"
prefix=$(ls -d "$CHROOT"/pybcast-"$(id -u)"/cache/*)
[ "$(count_matches "prefix [0-3] $prefix/3.11 $prefix/3.11/lib/python3/dist-packages/numpy/__init__.py")" -eq 4 ] ||
  fail "without PYTHONHOME: wrong home: $(cat "$SCRATCH/out")"

export PYTHONHOME=$CHROOT/3.11   # the seed's style: a path under the chroot
run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "with PYTHONHOME=$PYTHONHOME: $(cat "$SCRATCH/out")"
[ "$(count_matches "prefix [0-3] $prefix/3.11 ")" -eq 4 ] || fail "PYTHONHOME not remapped: $(cat "$SCRATCH/out")"

export PYTHONHOME=$CHROOT/2.7.9
run_mpi 2 "$PYTHON_MPI" -c "$code"
expect_failure_everywhere 2 "PYTHONHOME=$CHROOT/2.7.9 maps to $prefix/2.7.9 in the staged prefix, which holds no lib/python3.*/os.py"
echo "ok: seed configuration, with and without PYTHONHOME under the chroot"
