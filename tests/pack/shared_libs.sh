#!/bin/bash
# Extension modules' shared libraries from outside the system library dirs
# come along (RUNPATH, LD_LIBRARY_PATH, $ORIGIN); a DT_RPATH that pins one to
# another directory is reported, and so is a library that is not found.
. "$(dirname "$0")/lib.sh"
command -v cc >/dev/null || skip "no C compiler"

mkdir -p sw/lib P/lib/pymod Q/pkg Q/pkg.libs R/lib/pymod S/lib/pymod
echo 'int pbdep(void) { return 42; }' >dep.c
echo 'int pbdep(void); int pbext(void) { return pbdep(); }' >ext.c
cc -shared -fPIC -o sw/lib/libpbdep.so dep.c
cp sw/lib/libpbdep.so Q/pkg.libs/
cc -shared -fPIC -o P/lib/pymod/_ext.so ext.c -Lsw/lib -lpbdep -Wl,--enable-new-dtags,-rpath,"$SCRATCH/sw/lib"
cc -shared -fPIC -o Q/pkg/_ext.so ext.c -Lsw/lib -lpbdep -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../pkg.libs'
cc -shared -fPIC -o R/lib/pymod/_ext.so ext.c -Lsw/lib -lpbdep -Wl,--disable-new-dtags,-rpath,"$SCRATCH/sw/lib"
cc -shared -fPIC -o S/lib/pymod/_ext.so ext.c -Lsw/lib -lpbdep

# RUNPATH to a non-system directory: copied to lib/, found there first.
ok pack dir P -o p.tar
expect_in stderr "added lib/libpbdep.so from $SCRATCH/sw/lib (needed by lib/pymod/_ext.so)"
expect_member p.tar lib/libpbdep.so
mkdir D && tar -xf p.tar -C D
mv sw sw.gone  # the "shared file system" is gone: the bundle must be enough
LD_LIBRARY_PATH=$SCRATCH/D/lib "$PY" -c '
import ctypes, sys
assert ctypes.CDLL(sys.argv[1] + "/lib/pymod/_ext.so").pbext() == 42
assert sys.argv[1] + "/lib/libpbdep.so" in open("/proc/self/maps").read()' "$SCRATCH/D" || fail "extension did not load from D"
mv sw.gone sw

# $ORIGIN: a library next to the package (numpy.libs style) is kept in place,
# even when the user's excludes would have dropped it.
ok pack dir Q --exclude pkg.libs -o q.tar
expect_member q.tar pkg.libs/libpbdep.so
expect_no_member q.tar '^lib/libpbdep'

# DT_RPATH is searched before LD_LIBRARY_PATH: report it.
ok pack dir R -o r.tar
expect_in stderr "warning: lib/pymod/_ext.so loads libpbdep.so from $SCRATCH/sw/lib: its RPATH is searched before the bundle"

# Found only through LD_LIBRARY_PATH: copied; found nowhere: reported.
LD_LIBRARY_PATH=$SCRATCH/sw/lib ok pack dir S -o s.tar
expect_member s.tar lib/libpbdep.so
ok pack dir S -o s2.tar
expect_in stderr "warning: 1 needed library not found: lib/pymod/_ext.so needs libpbdep.so"
