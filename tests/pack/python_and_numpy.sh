#!/bin/bash
# Acceptance: `pack python` of Debian's python3.11 plus `pack dist numpy mpi4py`,
# extracted together into an empty D, import numpy and mpi4py from under D only.
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import numpy, mpi4py' 2>/dev/null || skip "$PY has no numpy or mpi4py"

ok pack python --python "$PY" -o python.tar.zst
expect_in stderr "wrote python.tar.zst"
expect_in stderr "sitecustomize.py -> /etc/python3"   # the symlink stays a symlink, and we say so
ok pack dist numpy mpi4py --python "$PY" -o numpy.tar.gz
expect_not_in stderr "warning"                          # Debian's numpy links only system libraries

version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
multiarch=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH"))')
for m in .pybcast/manifest.json "bin/python$version" bin/python3 "lib/python$version/os.py" \
  "lib/python$version/lib-dynload" "lib/$multiarch/libpython$version.so.1.0"; do
  expect_member python.tar.zst "$m"
done
[ "$(members python.tar.zst | sed -n 1p)" = .pybcast/manifest.json ] || fail "manifest is not the first member"
expect_member numpy.tar.gz lib/python3/dist-packages/numpy/__init__.py
expect_member numpy.tar.gz lib/python3/dist-packages/mpi4py/__init__.py
ok inspect --verify python.tar.zst
ok inspect --verify numpy.tar.gz
expect_in stdout "numpy 1."

mkdir D
tar -xf python.tar.zst -C D
tar -xf numpy.tar.gz -C D
[ -L "D/lib/python$version/sitecustomize.py" ] || fail "sitecustomize.py is not a symlink"
[ "$(readlink D/bin/python3)" = "python$version" ] || fail "bin/python3 does not point to python$version"

cat >check.py <<'PY'
import json, os, sys
import numpy, mpi4py
from mpi4py import MPI
D = os.environ["D"]
inside = lambda p: p == D or p.startswith(D + "/")
assert sys.prefix == D and sys.exec_prefix == D, (sys.prefix, sys.exec_prefix)
assert inside(numpy.__file__) and inside(mpi4py.__file__) and inside(MPI.__file__), (numpy.__file__, MPI.__file__)
assert all(inside(p) for p in sys.path), sys.path
outside = [m.__file__ for n, m in list(sys.modules.items())
           if n != "__main__" and getattr(m, "__file__", None) and not inside(m.__file__)]
assert not outside, outside
# Nothing from the system's Python trees was opened or mapped.
maps = open("/proc/self/maps").read()
assert "/usr/lib/python3" not in maps, [l for l in maps.splitlines() if "/usr/lib/python3" in l][:3]
assert int(numpy.arange(10).sum()) == 45
print("ok", MPI.Get_version())
PY
D=$SCRATCH/D PYTHONHOME=$SCRATCH/D "D/bin/python$version" -I check.py >run.out 2>&1 || fail "python from D: $(cat run.out)"
expect_in run.out "ok (3,"
