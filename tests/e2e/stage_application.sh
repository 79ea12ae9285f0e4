#!/bin/bash
# Any bundle set can be staged for a later step: a bundle holding only a C
# program and its shared library (no Python). `stage --print-env` prints
# PYBCAST_PREFIX, PATH (staged bin first) and LD_LIBRARY_PATH (staged lib
# first), no Python variables; eval them and run the program from the node
# copy in a second mpirun. python-mpi itself still needs a Python.
. "$(dirname "$0")/../lib/mpi.sh"
command -v cc >/dev/null || fail "no C compiler (cc) to build the test program"
app=$SCRATCH/app
mkdir -p "$app/bin" "$app/lib" "$SCRATCH/src"
cat >"$SCRATCH/src/hello.c" <<'C'
#include <stdio.h>
void hello(const char *who) { printf("HELLO from %s\n", who); }
C
cat >"$SCRATCH/src/main.c" <<'C'
#include <stdlib.h>
void hello(const char *who);
int main(void) {
  const char *rank = getenv("OMPI_COMM_WORLD_RANK");
  hello(rank ? rank : getenv("PMI_RANK") ? getenv("PMI_RANK") : "?");
  return 0;
}
C
cc -shared -fPIC -o "$app/lib/libhello.so" "$SCRATCH/src/hello.c"
cc -o "$app/bin/hello" "$SCRATCH/src/main.c" -L"$app/lib" -lhello -Wl,-rpath,'$ORIGIN/../lib'
tar -C "$app" -czf "$PKGROOT/hello.tar.gz" bin lib
rm -rf "$app"  # only the node copy may be used

before_path=$PATH before_ld=${LD_LIBRARY_PATH:-}
run_mpi 2 "$PYBCAST" stage --print-env --chroot "$CHROOT" --pkgroot "$PKGROOT" hello.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage --print-env of a bundle without Python: $(cat "$SCRATCH/out")"
prefix=$(ls -d "$CHROOT/pybcast-$(id -u)"/cache/*)
grep -qx "export PYBCAST_PREFIX='$prefix'" "$SCRATCH/out" || fail "no quoted PYBCAST_PREFIX: $(cat "$SCRATCH/out")"
grep -qF "export PATH='$prefix/bin:$before_path'" "$SCRATCH/out" || fail "PATH does not start with the staged bin: $(cat "$SCRATCH/out")"
grep -qE "^export LD_LIBRARY_PATH='$prefix/lib(:|')" "$SCRATCH/out" ||
  fail "LD_LIBRARY_PATH does not start with the staged lib: $(cat "$SCRATCH/out")"
! grep -qE "^export (PYTHON[A-Z]*|TRITON_CACHE_DIR|XDG_CACHE_HOME)=" "$SCRATCH/out" ||
  fail "Python variables for bundles without a Python: $(cat "$SCRATCH/out")"
[ "$(grep -c '^export ' "$SCRATCH/out")" -eq 3 ] || fail "expected 3 exports: $(cat "$SCRATCH/out")"

eval "$(grep '^export ' "$SCRATCH/out")"
[ "$(command -v hello)" = "$prefix/bin/hello" ] || fail "hello resolves to '$(command -v hello)', not under $prefix"
run_mpi 2 hello
[ "$STATUS" -eq 0 ] || fail "step 2: $(cat "$SCRATCH/out")"
[ "$(count_matches "HELLO from [01]")" -eq 2 ] || fail "step 2 did not print on every rank: $(cat "$SCRATCH/out")"
export PATH=$before_path LD_LIBRARY_PATH=$before_ld

# python-mpi keeps its clear error.
PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=hello.tar.gz run_mpi 2 "$PYTHON_MPI" -c pass
expect_failure_everywhere 2 "the staged bundles contain no Python standard library"
echo "ok: a bundle without Python staged with --print-env; its program runs from the node copy in a second mpirun"
