#!/bin/bash
# CI for the Debian package: builds the .deb from a configured and built build
# directory (cpack -G DEB), checks its Depends, installs it with apt, and runs
# from the installed paths (/usr/bin/pybcast, /usr/bin/python-mpi):
#   - a subset of tests/e2e (python-mpi with python3 + numpy + mpi4py bundles),
#   - tests/ecosystem: the installed tree and modulefile under Lmod, the
#     installed man pages and completion, a Slurm recipe, pack --from-run.
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

export PYBCAST=/usr/bin/pybcast PYTHON_MPI=/usr/bin/python-mpi
export PYBCAST_PYTHON_BUNDLES=$build/test-python-bundles PYBCAST_ECO_BUNDLES=$build/ecosystem-bundles-installed
"$src/tests/e2e/make_python_bundles.sh" "$PYBCAST_PYTHON_BUNDLES"
"$src/tests/ecosystem/make_bundles.sh" "$PYBCAST_ECO_BUNDLES"   # packed by the installed pybcast

passed=0 failed=0 failures=()
run() {  # NAME SCRIPT [VAR=VALUE...]
  local name=$1 script=$2 log=$build/ci-package-$1.log status
  shift 2
  set +e
  env "$@" timeout -k 10 600 "$script" >"$log" 2>&1
  status=$?
  set -e
  if [ $status -eq 0 ]; then
    passed=$((passed + 1)) && echo "PASS $name"
  else
    failed=$((failed + 1)) failures+=("$name") && echo "FAIL $name (exit $status)" && tail -15 "$log" | sed 's/^/    /'
  fi
}
for t in allreduce_vnodes seed_config two_step args_and_exit packed_bundles; do
  run "e2e_$t" "$src/tests/e2e/$t.sh"
done
run ecosystem_install_tree "$src/tests/ecosystem/install_tree.sh" PYBCAST_INSTALLED_PREFIX=/usr
run ecosystem_man_pages "$src/tests/ecosystem/man_pages.sh" PYBCAST_MAN_DIR=/usr/share/man/man1
run ecosystem_completion "$src/tests/ecosystem/completion.sh" \
  PYBCAST_COMPLETION=/usr/share/bash-completion/completions/pybcast
run ecosystem_recipe_slurm "$src/tests/ecosystem/recipe_slurm.sh"
run ecosystem_from_run "$src/tests/ecosystem/from_run.sh"

echo "package: $passed passed, $failed failed"
[ $failed -eq 0 ] || { echo "failed: ${failures[*]}"; exit 1; }
