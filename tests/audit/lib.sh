# Sourced by the --audit tests: tests/lib/mpi.sh (scratch directory, run_mpi,
# PYBCAST_MPI), the python bundles of the e2e fixture, and slowfs helpers:
# with AUDIT_SLOWFS=1 set first, a real FUSE mount (skips, exit 77, where FUSE
# cannot mount), unmounted before the scratch directory goes.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mpi.sh"
PYTHON=/usr/bin/python3  # Debian's, for reading JSON
cp "$PY_BUNDLES"/prefix/python-3.11.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz
unset PYBCAST_AUDIT PYBCAST_AUDIT_JSON LD_PRELOAD LD_AUDIT
# Set on purpose, whatever the caller has: Python then reads __pycache__ next to each
# source (one failed lookup on the mount per module) and writes no bytecode anywhere.
export PYTHONDONTWRITEBYTECODE=1
# A sanitizer build (scripts/ci-sanitize.sh) checks that its runtime is the first library;
# LD_PRELOAD puts ours first, so that check is turned off (not verified here).
if ldd "$PYTHON_MPI" 2>/dev/null | grep -q libasan; then
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
fi

if [ "${AUDIT_SLOWFS:-0}" = 1 ]; then
  . "$REPO/bench/lib/slowfs.sh"
  why=$(slowfs_check) || skip "$why"
  trap '_audit_status=$?; slowfs_cleanup_all; if findmnt -rn -o TARGET | grep -qF "$SCRATCH/"; then
    echo "a mount is left under $SCRATCH; not removing it" >&2; exit 1; fi; scratch_cleanup; exit $_audit_status' EXIT
  SCRATCH=$(realpath "$SCRATCH")
  MNT=$SCRATCH/mnt
  mkdir -p "$SCRATCH/src"
fi

# audit_json FILE EXPR: a Python expression over the JSON report in FILE, bound to `d`;
# entry(PATH) is the entry of PATH (None without one).
audit_json() {
  "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
def entry(path):
    return next((e for e in d["entries"] if e["path"] == path), None)
print(eval(sys.argv[2]))' "$1" "$2"
}

# expect_audit FILE EXPR VALUE: str(EXPR) must be VALUE.
expect_audit() {
  local got
  got=$(audit_json "$1" "$2") || fail "cannot evaluate $2 on: $(cat "$1")"
  [ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'; JSON: $(head -c 3000 "$1"); output: $(tail -30 "$SCRATCH/out")"
}
