#!/bin/bash
# Acceptance: `pack dist` and `pack python` ship unchecked-hash .pyc files by
# default (standard library included); --no-compile leaves them out; a python
# older than 3.7 gets none, and a note says why.
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import numpy' 2>/dev/null || skip "$PY has no numpy"
tag=$("$PY" -c 'import sys; print(sys.implementation.cache_tag)')
version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

ok pack dist numpy --python "$PY" -o numpy.tar.zst
expect_member numpy.tar.zst "lib/python3/dist-packages/numpy/__pycache__/__init__.$tag.pyc"
ok pack dist numpy --python "$PY" --no-compile -o plain.tar.zst
expect_no_member plain.tar.zst '\.pyc$'
expect_member plain.tar.zst lib/python3/dist-packages/numpy/__init__.py
echo "numpy: $(stat -c %s numpy.tar.zst) bytes with bytecode, $(stat -c %s plain.tar.zst) without"
run_pybcast pack dist numpy --python "$PY" --compile --no-compile -o both.tar.zst
[ "$STATUS" = 2 ] || fail "--compile --no-compile exited $STATUS"

mkdir X
tar -xf numpy.tar.zst -C X
count=0
for pyc in $(find X -name "*.$tag.pyc" | head -200); do
  flags=$(od -An -tu4 -j4 -N4 "$pyc" | tr -d ' ')
  [ "$flags" = 1 ] || fail "$pyc: flags $flags, not an unchecked-hash pyc"
  count=$((count + 1))
done
[ "$count" -gt 0 ] || fail "no .pyc extracted"

ok pack python --python "$PY" -o python.tar.zst
expect_member python.tar.zst "lib/python$version/__pycache__/os.$tag.pyc"
expect_member python.tar.zst "lib/python$version/json/__pycache__/decoder.$tag.pyc"
ok inspect --verify python.tar.zst

old=$(ls -d "$(pyenv root 2>/dev/null)"/versions/3.6.*/bin/python3.6 2>/dev/null | head -1 || true)
if [ -n "$old" ]; then
  mkdir -p P/pkg && echo 'X = 1' >P/pkg/__init__.py
  ok pack dir P --python "$old" -o old.tar.zst
  expect_in stderr "no bytecode: python 3.6 predates unchecked-hash .pyc files"
  expect_no_member old.tar.zst '\.pyc$'
else
  echo "no pyenv Python 3.6: the pre-3.7 case is not checked"
fi
