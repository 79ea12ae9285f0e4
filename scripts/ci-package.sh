#!/bin/bash
# CI for the Debian package: builds the .deb from a configured and built build
# directory (cpack -G DEB), checks its Depends, installs it with apt, then runs
# the CTest label `installed` against the installed paths (/usr/bin/pybcast,
# /usr/bin/python-mpi, the man pages, completion and modulefile under /usr):
# a test directory configured with -DPYBCAST_TEST_BIN_DIR=/usr/bin runs the
# same scripts as the build does. Which tests carry the label is decided in
# tests/*/CMakeLists.txt (a subset of tests/e2e; tests/ecosystem's installed
# tree and modulefile under Lmod, man pages, completion, a Slurm recipe, pack
# --from-run); their fixtures are made afresh there, packed by the installed
# pybcast. A skipped test fails this check: the package's tests must all run.
# The package is removed again at the end, whatever happened.
#   scripts/ci-package.sh [BUILD_DIR]     (default: build)
# Needs (Debian 12): dpkg-dev (dpkg-shlibdeps), man-db, groff-base, lmod, bash-completion.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)

echo "== cpack -G DEB in $build"
rm -f "$build"/pybcast_*.deb
(cd "$build" && cpack -G DEB >"$build/cpack.log" 2>&1) || { tail -30 "$build/cpack.log"; exit 1; }
deb=$(ls "$build"/pybcast_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "$(basename "$deb"): Depends: $depends"
for lib in libopenmpi3 libarchive13 libzstd1; do
  [[ $depends == *"$lib"* ]] || { echo "FAIL: Depends lacks $lib"; exit 1; }
done

if dpkg-query -W -f='${Status}' pybcast 2>/dev/null | grep -q "install ok installed"; then
  echo "FAIL: pybcast is already installed on this machine; not touching it"
  exit 1
fi
trap 'echo "== removing the package"; apt-get remove -y pybcast >/dev/null 2>&1 || true' EXIT
echo "== apt-get install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" >"$build/apt-install.log" 2>&1 ||
  { tail -20 "$build/apt-install.log"; exit 1; }
[ -x /usr/bin/pybcast ] && [ -x /usr/bin/python-mpi ] || { echo "FAIL: binaries not installed in /usr/bin"; exit 1; }

tests=$build/ci-package-tests
echo "== ctest -L installed in $tests (PYBCAST_TEST_BIN_DIR=/usr/bin)"
rm -rf "$tests"
cmake -S "$src" -B "$tests" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPYBCAST_TEST_BIN_DIR=/usr/bin \
  >"$build/ci-package-configure.log" 2>&1 || { tail -30 "$build/ci-package-configure.log"; exit 1; }
# -j 2 (2026-12-07, CI time): these are e2e tests of their own scratch dirs, which the
# suite already runs two at a time.
ctest --test-dir "$tests" -L '^installed$' -j 2 --no-tests=error --output-on-failure 2>&1 | tee "$build/ci-package-ctest.log"
if grep -q 'The following tests did not run' "$build/ci-package-ctest.log"; then
  echo "FAIL: tests were skipped against the package (see above)"
  exit 1
fi
echo "package: all installed tests passed"
