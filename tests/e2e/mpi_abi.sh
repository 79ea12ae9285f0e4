#!/bin/bash
# Issue 18, C9: an mpi4py built against another MPI family than the one
# python-mpi runs would crash inside libmpi at `from mpi4py import MPI`. The
# fixture is Debian's mpi4py with its MPI extension's DT_NEEDED rewritten to
# MPICH's libmpich.so.12 (what an MPICH-built mpi4py needs), staged after the
# real one: every rank fails before Python starts, naming both libraries.
. "$(dirname "$0")/../lib/mpi.sh"
[ "$PYBCAST_MPI" = openmpi ] || skip "the fixture is Open MPI's mpi4py made to look MPICH-built"
command -v patchelf >/dev/null || skip "needs patchelf"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
tree=$SCRATCH/mpich-mpi4py/lib/python3/dist-packages
mkdir -p "$tree"
cp -r /usr/lib/python3/dist-packages/mpi4py "$tree/"
extension=$(ls "$tree"/mpi4py/MPI.*.so)
patchelf --replace-needed libmpi.so.40 libmpich.so.12 "$extension"
tar -C "$SCRATCH/mpich-mpi4py" -czf "$PKGROOT/mpich-mpi4py.tar.gz" lib
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2

PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz:mpich-mpi4py.tar.gz \
  run_mpi 2 "$PYTHON_MPI" -c 'from mpi4py import MPI; print("RAN")'
expect_failure_everywhere 2 "is built against libmpich.so.12 (MPICH), but this job runs Open MPI"
grep -q "mpi4py/$(basename "$extension")" "$SCRATCH/out" || fail "the extension is not named: $(cat "$SCRATCH/out")"
echo "ok: an MPICH-built mpi4py under Open MPI fails on every rank before Python starts, naming both"

PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz \
  run_mpi 2 "$PYTHON_MPI" -c 'from mpi4py import MPI; print("RAN", MPI.Get_library_version().split(",")[0])'
[ "$STATUS" -eq 0 ] && [ "$(count_matches "RAN Open MPI")" -eq 2 ] || fail "the matching mpi4py: $(cat "$SCRATCH/out")"
echo "ok: the matching mpi4py runs"
