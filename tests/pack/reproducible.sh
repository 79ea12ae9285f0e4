#!/bin/bash
# Acceptance: packing the same input twice gives identical bytes (sha256),
# whatever the thread count; SOURCE_DATE_EPOCH sets the member times.
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import numpy' 2>/dev/null || skip "$PY has no numpy"

mkdir a b
ok pack python --python "$PY" --threads 1 -o a/python.tar.zst
ok pack python --python "$PY" --threads 2 -o b/python.tar.zst
ok pack dist numpy --python "$PY" -o a/numpy.tar.gz
ok pack dist numpy --python "$PY" --threads 1 -o b/numpy.tar.gz
ok pack dist numpy --python "$PY" --format tar -o a/numpy.tar
ok pack dist numpy --python "$PY" --format tar -o b/numpy.tar
for f in python.tar.zst numpy.tar.gz numpy.tar; do
  [ "$(sha256sum <a/$f | cut -d' ' -f1)" = "$(sha256sum <b/$f | cut -d' ' -f1)" ] || fail "$f differs between two packs"
done
# The compressed streams carry no timestamp either: a different file name
# changes only the manifest's name field, which --name fixes.
ok pack dist numpy --python "$PY" --name numpy -o a/other-name.tar.gz
cmp -s a/numpy.tar.gz a/other-name.tar.gz || fail "the output's file name leaked into the bytes"

tar -tvf a/numpy.tar | awk '$2 != "0/0" || $4 != "1970-01-01" { bad = bad $0 "\n" } END { if (bad) { print bad; exit 1 } }' ||
  fail "members with an owner or time other than 0/0, 1970-01-01"
SOURCE_DATE_EPOCH=1700000000 "$PYBCAST" pack dist numpy --python "$PY" -o c.tar 2>/dev/null
tar -tvf c.tar | awk '$4 != "2023-11-14" { exit 1 }' || fail "SOURCE_DATE_EPOCH was not used for member times"
