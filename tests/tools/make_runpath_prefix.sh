#!/bin/bash
# make_runpath_prefix.sh PREFIX N WORK: a prefix of N shared libraries
# (PREFIX/lib/mods/libmI.so, each needing PREFIX/lib/libbase.so) with an
# absolute RUNPATH into the prefix itself, built with cc in WORK; the
# fixture of tests/e2e/directory_runpaths.sh and bench/runpath_bench.sh.
set -euo pipefail
prefix=${1:?PREFIX} n=${2:?N} work=${3:?WORK}
mkdir -p "$prefix/lib/mods" "$work"
echo 'int base_value(void) { return 7; }' >"$work/base.c"
cc -shared -fPIC -o "$prefix/lib/libbase.so" "$work/base.c"
echo 'int base_value(void); int mod_value(void) { return base_value() + 1; }' >"$work/mod.c"
cc -c -fPIC -o "$work/mod.o" "$work/mod.c"
for ((i = 0; i < n; i++)); do
  cc -shared -o "$prefix/lib/mods/libm$i.so" "$work/mod.o" -L"$prefix/lib" -lbase \
    -Wl,--enable-new-dtags,-rpath,"$prefix/lib" -Wl,-soname,"libm$i.so"
done
