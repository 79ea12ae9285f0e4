#!/bin/bash
# Acceptance: default excludes drop *.png *.jpg *.html *.pyo *.pyc; --exclude
# adds to them, --no-default-excludes drops them; `pack python` leaves out
# test/, idlelib, tkinter, ensurepip and __pycache__ unless --keep says otherwise.
. "$(dirname "$0")/lib.sh"

mkdir -p P/pkg/__pycache__ P/pkg/tests P/doc
for f in pkg/mod.py pkg/a.png pkg/b.jpg doc/c.html pkg/d.pyo pkg/__pycache__/mod.cpython-311.pyc pkg/tests/test_x.py \
  doc/notes.txt; do
  echo data >"P/$f"
done
ok pack dir P -o default.tar
members default.tar | grep -vE '^\.pybcast' | sort >default.list
printf '%s\n' doc doc/notes.txt pkg pkg/__pycache__ pkg/mod.py pkg/tests pkg/tests/test_x.py >expected.list
diff expected.list default.list || fail "default excludes"

ok pack dir P --no-default-excludes -o all.tar
for f in pkg/a.png pkg/b.jpg doc/c.html pkg/d.pyo pkg/__pycache__/mod.cpython-311.pyc; do expect_member all.tar "$f"; done

ok pack dir P --exclude '*.txt' --exclude tests/ --exclude 'pkg/__pycache__' -o more.tar
expect_no_member more.tar 'notes.txt|tests|__pycache__|\.png$'
expect_member more.tar pkg/mod.py

version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
stdlib=lib/python$version
ok pack python --python "$PY" --no-compile -o python.tar
expect_member python.tar "$stdlib/os.py"
expect_no_member python.tar "^$stdlib/(test|idlelib|tkinter|ensurepip)(/|$)|__pycache__|\.pyc$"
# By default the only bytecode is what pack compiled: one .pyc per packed source.
ok pack python --python "$PY" -o compiled.tar
expect_no_member compiled.tar "^$stdlib/(test|idlelib|tkinter|ensurepip)(/|$)"
tag=$("$PY" -c 'import sys; print(sys.implementation.cache_tag)')
members compiled.tar | grep '\.pyc$' | sed -E "s,__pycache__/([^/]*)\.$tag\.pyc$,\1.py," | sort >pyc-sources.list
[ -s pyc-sources.list ] || fail "pack python shipped no bytecode by default"
members compiled.tar | sort | comm -23 pyc-sources.list - >stale.list
[ ! -s stale.list ] || fail ".pyc files without a packed source (stale bytecode): $(head -3 stale.list)"
ok pack python --python "$PY" --keep test --keep ensurepip -o kept.tar
expect_member kept.tar "$stdlib/test/__init__.py"
expect_member kept.tar "$stdlib/ensurepip/__init__.py"
expect_no_member kept.tar "^$stdlib/idlelib(/|$)"
run_pybcast pack python --python "$PY" --keep nonsense -o x.tar
[ "$STATUS" = 1 ] || fail "--keep nonsense was accepted"
expect_in stderr "--keep nonsense: not a part of the standard library"
