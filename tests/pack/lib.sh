# Shared helpers for the pack tests: each test sources this and runs in its
# own scratch directory, removed on exit. PYBCAST is the binary under test.
# fail, skip and the scratch directory: tests/lib/common.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

PYBCAST=${PYBCAST:?set PYBCAST to the pybcast binary}
# Debian's interpreter, which has numpy and mpi4py (python3 on PATH may not).
PY=${PYBCAST_TEST_PYTHON:-/usr/bin/python3}
make_scratch /tmp/pybcast-pack-XXXXXX
cd "$SCRATCH"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset SOURCE_DATE_EPOCH PYTHONHOME PYTHONPATH

# run_pybcast ARGS...: status in $STATUS, stdout in $SCRATCH/out, stderr in $SCRATCH/err.
run_pybcast() {
  set +e
  "$PYBCAST" "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"
  STATUS=$?
  set -e
}

# pybcast ARGS... must succeed.
ok() {
  run_pybcast "$@"
  [ "$STATUS" = 0 ] || fail "pybcast $* exited $STATUS: $(cat "$SCRATCH/stderr")"
}

expect_in() {  # FILE TEXT
  grep -qF -- "$2" "$1" || fail "expected '$2' in $1, got: $(cat "$1")"
}

expect_not_in() {  # FILE TEXT
  ! grep -qF -- "$2" "$1" || fail "did not expect '$2' in $1: $(grep -F -- "$2" "$1" | head -3)"
}

# members BUNDLE: the member names, one a line, without trailing '/'
# (listed once per bundle file and kept next to it).
members() {
  [ "$1.list" -nt "$1" ] || tar -tf "$1" | sed 's,/$,,' >"$1.list"
  cat "$1.list"
}

# (grep reads all of tar's output: with -q, tar would die of SIGPIPE under pipefail.)
expect_member() {  # BUNDLE MEMBER
  members "$1" | grep -xF -- "$2" >/dev/null || fail "$1 has no member $2"
}

expect_no_member() {  # BUNDLE EXTENDED-REGEX
  local found
  found=$(members "$1" | grep -E -- "$2" || true)
  [ -z "$found" ] || fail "$1 has members matching $2: $(echo "$found" | head -3)"
}

# Two tiny projects, built into wheels here (PyPI is not reachable):
# pbtest-app (with a console script) requires pbtest-dep.
make_wheels() {  # DIR
  local dir=$1
  mkdir -p "$dir/src/dep/src/pbtest_dep" "$dir/src/app/src/pbtest_app"
  printf '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "pbtest-dep"\nversion = "1.0"\n' \
    >"$dir/src/dep/pyproject.toml"
  echo 'VALUE = 42' >"$dir/src/dep/src/pbtest_dep/__init__.py"
  cat >"$dir/src/app/pyproject.toml" <<'TOML'
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
[project]
name = "pbtest-app"
version = "2.0"
dependencies = ["pbtest-dep>=1.0", "pbtest-never-installed; python_version < '3.0'"]
[project.scripts]
pbtest-app = "pbtest_app:main"
TOML
  printf 'from pbtest_dep import VALUE\ndef main():\n    print(VALUE)\n' >"$dir/src/app/src/pbtest_app/__init__.py"
  "$PY" -m pip wheel -q --no-index --no-build-isolation --no-deps -w "$dir" "$dir/src/dep" "$dir/src/app" \
    >"$SCRATCH/wheel.log" 2>&1 || fail "cannot build test wheels: $(tail -3 "$SCRATCH/wheel.log")"
}
