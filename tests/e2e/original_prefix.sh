#!/bin/bash
# A staged tree reaches nothing under the prefix it was packed from. The test
# builds a prefix of its own, as Spack and site modules lay them out: a C
# library in lib/, extension modules linked to it with an absolute
# -Wl,-rpath to that lib/ (one RUNPATH, one old-style RPATH), and a relative
# symlink to a system library that leaves the packed set. Packed with
# `pack dir`, staged, and run under strace at 2 and 4 ranks on 2 virtual
# nodes: no file syscall of any rank names the original prefix (the loader
# would search the absolute RUNPATH first, a dangling symlink would fail).
# Then the same for a real non-Debian interpreter, a pyenv Python (prefix
# layout, --enable-shared, absolute RUNPATH in _ssl and friends) where the
# machine has one.
. "$(dirname "$0")/../lib/mpi.sh"
command -v strace >/dev/null || skip "strace is not installed"
command -v cc >/dev/null || skip "no C compiler"
py=/usr/bin/python3
include=$($py -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
suffix=$($py -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
[ -f "$include/Python.h" ] || skip "no Python.h for $py (python3-dev)"
orig=$SCRATCH/original
pkg=$orig/lib/python3/dist-packages/fixmod
mkdir -p "$orig/lib" "$pkg"
echo 'int fix_answer(void) { return 21; }' >"$SCRATCH/fix.c"
cc -shared -fPIC -Wl,-soname,libfix.so.1 -o "$orig/lib/libfix.so.1" "$SCRATCH/fix.c"
ln -s libfix.so.1 "$orig/lib/libfix.so"
for kind in runpath rpath; do
  cat >"$SCRATCH/_fix$kind.c" <<C
#include <Python.h>
int fix_answer(void);
static PyObject* answer(PyObject* self, PyObject* args) { return PyLong_FromLong(fix_answer()); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fix$kind", NULL, -1, methods};
PyMODINIT_FUNC PyInit__fix$kind(void) { return PyModule_Create(&module); }
C
  tags=--enable-new-dtags
  [ $kind = rpath ] && tags=--disable-new-dtags
  cc -shared -fPIC -I"$include" -o "$pkg/_fix$kind$suffix" "$SCRATCH/_fix$kind.c" -L"$orig/lib" -lfix \
    -Wl,$tags -Wl,-rpath,"$orig/lib"
done
readelf -d "$pkg/_fixrpath$suffix" | grep -q "(RPATH).*\[$orig/lib\]" || fail "the fixture has no RPATH"
readelf -d "$pkg/_fixrunpath$suffix" | grep -q "(RUNPATH).*\[$orig/lib\]" || fail "the fixture has no RUNPATH"
libz=/usr/lib/$($py -c 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH"))')/libz.so.1
ln -s "$(realpath --relative-to="$pkg" "$libz")" "$pkg/libz.so.1"
cat >"$pkg/__init__.py" <<'PY'
import ctypes, os
from . import _fixrunpath, _fixrpath
zlib_version = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "libz.so.1")).zlibVersion
zlib_version.restype = ctypes.c_char_p
def answer():
    return _fixrunpath.answer() + _fixrpath.answer(), zlib_version().decode()
PY
PYTHONPATH=$orig/lib/python3/dist-packages $py -c 'import fixmod; assert fixmod.answer()[0] == 42' ||
  fail "the fixture does not work in place"

pack() { "$PYBCAST" "$@" 2>"$SCRATCH/pack.err" || fail "pybcast $*: $(cat "$SCRATCH/pack.err")"; }
pack pack python --python $py -o "$PKGROOT/python.tar.zst"
pack pack dir "$orig" --python $py -o "$PKGROOT/fix.tar.zst"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2
code='import fixmod, sys; a, z = fixmod.answer(); print(f"answer {a} zlib {z} from {fixmod.__file__.startswith(sys.prefix)}")'
# original_prefix_clean LOG WHAT DIR: no line of the strace LOG names DIR (execve's argv aside).
original_prefix_clean() {
  local hits
  hits=$(grep -F "$3" "$1" | grep -v ' execve(' | head -5 || true)
  [ -z "$hits" ] || fail "$2: ranks touched the original prefix $3: $hits"
}
for n in 2 4; do
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  PYTHON_MPI_PACKAGES=python.tar.zst:fix.tar.zst STRACE_OPTS="-e trace=%file,%stat" \
    strace_mpi "$SCRATCH/strace.log" $n "$PYTHON_MPI" -c "$code"
  [ "$STATUS" -eq 0 ] || fail "$n ranks: the job failed: $(tail -20 "$SCRATCH/out")"
  [ "$(count_matches "answer 42 zlib [0-9.]+ from True")" -eq $n ] || fail "$n ranks: wrong answers: $(cat "$SCRATCH/out")"
  original_prefix_clean "$SCRATCH/strace.log" "$n ranks" "$orig"
  echo "ok: $n ranks on 2 virtual nodes: the fixture ran from the node copy; 0 file syscalls under its original prefix"
done

# A pyenv Python where the machine has one.
pyroot=$(pyenv root 2>/dev/null || true)
pyenv_python=$(ls -d "${pyroot:-/nonexistent}"/versions/3.12.*/bin/python3.12 2>/dev/null | head -1 || true)
if [ -z "$pyenv_python" ]; then
  echo "note: no pyenv Python 3.12 on this machine: the pyenv check did not run"
  exit 0
fi
pyprefix=$(cd "$(dirname "$pyenv_python")/.." && pwd)
pack pack python --python "$pyenv_python" -o "$PKGROOT/pyenv.tar.zst"
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
PYTHON_MPI_PACKAGES=pyenv.tar.zst STRACE_OPTS="-e trace=%file,%stat" \
  strace_mpi "$SCRATCH/strace.log" 2 "$PYTHON_MPI" -c 'import ssl, sqlite3, json, sys; print("ssl", ssl.OPENSSL_VERSION.split()[0], sys.prefix)'
[ "$STATUS" -eq 0 ] || fail "pyenv: the job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches "ssl OpenSSL $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/")" -eq 2 ] || fail "pyenv: $(cat "$SCRATCH/out")"
original_prefix_clean "$SCRATCH/strace.log" "pyenv $pyprefix" "$pyprefix"
echo "ok: $pyprefix staged: 2 ranks imported ssl and sqlite3; 0 file syscalls under the original prefix"
