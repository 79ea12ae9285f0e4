#!/bin/bash
# Compiling against Python at run time, from pack-made bundles (issue 26):
# `pack python` ships the C headers (and Debian's multiarch pyconfig.h in
# place of its wrapper), `pack dist setuptools` keeps Debian's
# distutils-precedence.pth; under python-mpi on 2 ranks / 2 virtual nodes
# every rank builds a tiny C extension with setuptools and an f2py module,
# and imports both. Bytecode left out (--no-compile): not what is tested.
. "$(dirname "$0")/../lib/mpi.sh"
PY=/usr/bin/python3
command -v cc >/dev/null || skip "no C compiler"
command -v gfortran >/dev/null || skip "no gfortran"
"$PY" -c 'import numpy.f2py, setuptools' 2>/dev/null || skip "$PY lacks numpy or setuptools"
cd "$SCRATCH"
pack() { "$PYBCAST" pack "$@" --python "$PY" --no-compile >"$SCRATCH/pack.out" 2>&1 || fail "pack $*: $(tail -3 "$SCRATCH/pack.out")"; }
pack python -o "$PKGROOT/python.tar.zst"
grep -q "C headers: include/python3.11" "$SCRATCH/pack.out" || fail "pack python says nothing of the headers: $(cat "$SCRATCH/pack.out")"
pack dist numpy setuptools -o "$PKGROOT/np.tar.zst"
tar -tf "$PKGROOT/np.tar.zst" >np.list
grep -qx "lib/python3/dist-packages/distutils-precedence.pth" np.list || fail "pack dist setuptools left out distutils-precedence.pth"
tar -tf "$PKGROOT/python.tar.zst" >python.list
grep -qx "include/python3.11/Python.h" python.list || fail "no Python.h in the python bundle"

mkdir -p "$SCRATCH/src"
cat >"$SCRATCH/src/pbext.c" <<'C'
#include <Python.h>
static PyObject* answer(PyObject* self, PyObject* args) { return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "pbext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_pbext(void) { return PyModule_Create(&module); }
C
cat >"$SCRATCH/src/fmod.f90" <<'F'
subroutine twice(x, y)
  real(8), intent(in) :: x
  real(8), intent(out) :: y
  y = 2 * x
end subroutine
F
cat >"$SCRATCH/build.py" <<'PY'
import os, shutil, subprocess, sys, sysconfig
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0"))
work = os.path.join(sys.argv[1], "rank" + rank)
shutil.copytree(sys.argv[2], work)
os.chdir(work)
include = sysconfig.get_paths()["include"]
with open("setup.py", "w") as f:
    f.write("from setuptools import setup, Extension\nsetup(name='pbext', ext_modules=[Extension('pbext', ['pbext.c'])])\n")
log = open("build.log", "w")
ok = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], stdout=log, stderr=log).returncode == 0
ok = ok and subprocess.run([sys.executable, "-m", "numpy.f2py", "-c", "-m", "fmod", "fmod.f90"], stdout=log, stderr=log).returncode == 0
sys.path.insert(0, work)
try:
    import pbext, fmod
    result = (pbext.answer(), float(fmod.twice(1.5)))
except Exception as e:
    result = repr(e)
import setuptools, distutils
print("CEXT", "ok" if ok and result == (42, 3.0) and include.startswith(root) else "BAD %s %s" % (result, include),
      "distutils from setuptools" if "setuptools" in distutils.__file__ else "stdlib distutils %s" % distutils.__file__)
if not ok:
    sys.stdout.write(open("build.log").read()[-2000:])
PY
mkdir -p "$SCRATCH/work"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python.tar.zst:np.tar.zst PYBCAST_VIRTUAL_NODES=2
unset PYTHONDONTWRITEBYTECODE  # a user's setting: setuptools writes bytecode of the build
run_mpi 2 "$PYTHON_MPI" "$SCRATCH/build.py" "$SCRATCH/work" "$SCRATCH/src"
[ "$STATUS" -eq 0 ] || fail "job failed: $(tail -30 "$SCRATCH/out")"
[ "$(count_matches 'CEXT ok')" -eq 2 ] || fail "not every rank built and imported both: $(grep -a -A30 CEXT "$SCRATCH/out" | head -40)"
[ "$(count_matches 'CEXT ok distutils from setuptools')" -eq 2 ] || fail "the staged python took the standard library's distutils: $(grep -a CEXT "$SCRATCH/out")"
echo "ok: 2 ranks / 2 virtual nodes built a C extension (setuptools) and an f2py module against the staged headers and imported both"
