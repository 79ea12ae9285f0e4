#!/bin/bash
# ~/.local is not on sys.path under python-mpi (PYTHONNOUSERSITE=1 unless the
# user set it): every rank would stat the user site on the shared home, and an
# old numpy there would shadow the staged one. A user who sets
# PYTHONNOUSERSITE keeps their choice.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1
export PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export HOME=$SCRATCH/home
site=$HOME/.local/lib/python3.11/site-packages
mkdir -p "$site/numpy"
echo 'raise ImportError("the old numpy in ~/.local was imported")' >"$site/numpy/__init__.py"
unset PYTHONNOUSERSITE
code='import site, sys, numpy; print("user site", site.ENABLE_USER_SITE, "numpy staged", numpy.__file__.startswith(sys.prefix))'
run_mpi 2 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "python-mpi imported ~/.local's numpy: $(cat "$SCRATCH/out")"
[ "$(count_matches "user site False numpy staged True")" -eq 2 ] || fail "$(cat "$SCRATCH/out")"
echo "ok: ~/.local is off sys.path: the staged numpy is imported"
# The user's own choice is kept (PYTHONNOUSERSITE empty means "not set" to Python).
PYTHONNOUSERSITE= run_mpi 2 "$PYTHON_MPI" -c 'import site; print("user site", site.ENABLE_USER_SITE)'
[ "$STATUS" -eq 0 ] && [ "$(count_matches "user site True")" -eq 2 ] || fail "the user's PYTHONNOUSERSITE was overridden: $(cat "$SCRATCH/out")"
echo "ok: a PYTHONNOUSERSITE the user set is kept"
