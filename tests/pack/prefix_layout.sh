#!/bin/bash
# `pack python` of a ./configure --enable-shared prefix (bin/, lib/pythonX.Y,
# lib/libpythonX.Y.so): the bundle runs from D with the staged lib/ on
# LD_LIBRARY_PATH, as python-mpi sets it. Uses PYBCAST_TEST_PREFIX_PYTHON, or a
# pyenv interpreter if there is one; skipped otherwise.
. "$(dirname "$0")/lib.sh"

probe='import sys, sysconfig; print(sysconfig.get_config_var("Py_ENABLE_SHARED") == 1 and sys.base_prefix != "/usr"
  and sysconfig.get_config_var("LIBDIR") == sys.base_prefix + "/lib" and sys.version_info >= (3, 8))'
prefix_python=
for candidate in ${PYBCAST_TEST_PREFIX_PYTHON:-} "$HOME"/.pyenv/versions/3.*/bin/python3; do
  if [ -x "$candidate" ] && [ "$("$candidate" -E -c "$probe" 2>/dev/null)" = True ]; then
    prefix_python=$candidate
    break
  fi
done
[ -n "$prefix_python" ] || skip "no --enable-shared prefix python (set PYBCAST_TEST_PREFIX_PYTHON)"
version=$("$prefix_python" -E -c 'import sys; print("%d.%d" % sys.version_info[:2])')

ok pack python --python "$prefix_python" -o python.tar.zst
expect_not_in stderr "warning"
for m in "bin/python$version" bin/python3 "lib/libpython$version.so.1.0" "lib/python$version/os.py" \
  "lib/python$version/lib-dynload"; do
  expect_member python.tar.zst "$m"
done
expect_no_member python.tar.zst "^lib/python$version/site-packages/"
ok inspect python.tar.zst
expect_in stdout "libpython:    lib/libpython$version.so.1.0"

mkdir D
tar -xf python.tar.zst -C D
D=$SCRATCH/D LD_LIBRARY_PATH=$SCRATCH/D/lib PYTHONHOME=$SCRATCH/D "D/bin/python$version" -I -c '
import json, os, sys
D = os.environ["D"]
assert sys.prefix == D and json.__file__.startswith(D + "/"), (sys.prefix, json.__file__)
maps = open("/proc/self/maps").read()
assert D + "/lib/libpython" in maps, "libpython not loaded from D"
print("ok")' >run.out 2>&1 || fail "python from D: $(cat run.out)"
expect_in run.out ok
