#!/bin/bash
# A staged tree without a shared libpython gives a clear error that says how
# to pack one, on every rank; nothing from the shared file system is run.
. "$(dirname "$0")/../lib/mpi.sh"
tree=$SCRATCH/tree
mkdir -p "$tree"
tar -C "$tree" -xzf "$PY_BUNDLES/prefix/python-3.11.tar.gz"
rm -f "$tree"/lib/*/libpython3.11.so*
tar -C "$tree" -czf "$PKGROOT/static-python.tar.gz" .
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=static-python.tar.gz
run_mpi 2 "$PYTHON_MPI" -c 'print("should not run")'
expect_failure_everywhere 2 "has no shared libpython3.11.so"
grep -q "pybcast pack python" "$SCRATCH/out" || fail "no packing hint: $(cat "$SCRATCH/out")"
! grep -q "should not run" "$SCRATCH/out" || fail "python ran anyway"
echo "ok: missing libpython explained"
