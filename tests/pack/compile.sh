#!/bin/bash
# Acceptance: --compile bundles carry valid unchecked-hash .pyc files, which
# Python uses without looking at the sources (their contents or mtimes).
. "$(dirname "$0")/lib.sh"

mkdir -p P/pkg
echo 'VALUE = 1' >P/pkg/mod.py
echo '' >P/pkg/__init__.py
echo 'def broken(:' >P/pkg/broken.py
run_pybcast pack dir P --compile -o c.tar.zst
[ "$STATUS" = 1 ] || fail "--compile without --python did not fail"
expect_in stderr "--compile needs the python that will import these files"

ok pack dir P --compile --python "$PY" -o c.tar.zst
expect_in stderr "1 file(s) do not compile and are packed as source only: pkg/broken.py"
tag=$("$PY" -c 'import sys; print(sys.implementation.cache_tag)')
expect_member c.tar.zst "pkg/__pycache__/mod.$tag.pyc"
expect_member c.tar.zst "pkg/__pycache__/__init__.$tag.pyc"
expect_no_member c.tar.zst "broken\.$tag\.pyc"
ok inspect --verify c.tar.zst
mkdir again
ok pack dir P --compile --python "$PY" --threads 1 -o again/c.tar.zst
cmp -s c.tar.zst again/c.tar.zst || fail "compiled bundles differ between two packs"

mkdir D
tar -xf c.tar.zst -C D
# Change the source behind the .pyc's back, with a newer mtime: an unchecked
# .pyc is still what gets imported.
echo 'VALUE = 2' >D/pkg/mod.py
touch -d '+1 hour' D/pkg/mod.py
cat >check.py <<'PY'
import importlib.util, sys
sys.path.insert(0, sys.argv[1])
import pkg.mod
pyc = pkg.mod.__cached__
data = open(pyc, "rb").read(16)
assert data[:4] == importlib.util.MAGIC_NUMBER, "foreign magic number"
flags = int.from_bytes(data[4:8], "little")
assert flags == 0b01, "not an unchecked-hash pyc: flags=%d" % flags
print("VALUE", pkg.mod.VALUE)
PY
"$PY" -I -B check.py "$SCRATCH/D" >run.out 2>&1 || fail "import: $(cat run.out)"
expect_in run.out "VALUE 1"
