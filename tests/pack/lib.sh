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

. "$(dirname "${BASH_SOURCE[0]}")/../lib/wheels.sh"
