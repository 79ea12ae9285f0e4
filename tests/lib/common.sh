# The helpers every script test shares (tests/*/ source this, directly or
# through tests/lib/mpi.sh): fail, skip, a scratch directory removed on exit.
# The binaries under test come from the environment (PYBCAST, PYTHON_MPI),
# which tests/cmake/PybcastScriptTest.cmake sets from PYBCAST_TEST_BIN_DIR.

# TESTS_ROOT: tests/; REPO: the repository (tests read only this and ../shared).
TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$TESTS_ROOT/.." && pwd)

# fail MESSAGE: the test fails (exit 1) with MESSAGE on stderr.
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# skip REASON: CTest's skip convention here, exit 77 (tests registered with
# CAN_SKIP carry SKIP_RETURN_CODE 77).
skip() {
  echo "SKIP: $*"
  exit 77
}

# make_scratch TEMPLATE: SCRATCH, a new directory (mktemp -d TEMPLATE), removed
# on exit (made writable first: tests make read-only trees) unless NO_TRAP is
# given, for callers that install a cleanup trap of their own.
make_scratch() {
  SCRATCH=$(mktemp -d "$1")
  [ "${2:-}" = NO_TRAP ] || trap scratch_cleanup EXIT
}
scratch_cleanup() {
  chmod -R u+rwX "$SCRATCH" 2>/dev/null || true
  rm -rf "$SCRATCH"
}
