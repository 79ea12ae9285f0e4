# Sourced by every doctor test: a scratch directory, a way to run doctor and
# read its JSON. With DOCTOR_SLOWFS=1 set first, the slowfs helpers too
# (slowfs_mount, ...), and the test is skipped where FUSE is unavailable.
# fail, skip, REPO and the scratch directory: tests/lib/common.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
: "${PYBCAST:=$REPO/build/bin/pybcast}"
PYTHON=/usr/bin/python3  # Debian's; python3 on PATH may be a pyenv interpreter

if [ "${DOCTOR_SLOWFS:-0}" = 1 ]; then
  # The slowfs tests' set-up: skips (exit 77) where FUSE cannot mount, gives a scratch
  # directory and unmounts whatever slowfs_mount mounted before removing it.
  . "$REPO/tests/slowfs/lib.sh"
else
  make_scratch "${TMPDIR:-/tmp}/doctor-test.XXXXXX"
fi
SCRATCH=$(realpath "$SCRATCH")
[ -x "$PYBCAST" ] || fail "no pybcast at $PYBCAST"
[ -x "$PYTHON" ] || skip "no $PYTHON"

# run CMD...: stdout in $OUT, stderr in $ERR, exit status in $STATUS.
OUT=$SCRATCH/doctor.out ERR=$SCRATCH/doctor.err STATUS=0
run() {
  STATUS=0
  "$@" >"$OUT" 2>"$ERR" || STATUS=$?
}
doctor() { run "$PYBCAST" doctor "$@"; }

# expect_status N WHAT
expect_status() {
  [ "$STATUS" -eq "$1" ] || fail "$2: exit status $STATUS, expected $1; stdout: $(cat "$OUT"); stderr: $(cat "$ERR")"
}

# json EXPR: evaluates a Python expression over the JSON in $OUT, bound to `d`.
json() { "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"; }

# expect_json EXPR VALUE: str(EXPR) must be VALUE.
expect_json() {
  local got
  got=$(json "$1") || fail "cannot evaluate $1 on: $(cat "$OUT")"
  [ "$got" = "$2" ] || fail "$1 is '$got', expected '$2'; JSON: $(cat "$OUT")"
}

# A file system any of these paths is on that is shared makes a "clean" run impossible here.
skip_if_shared() {
  local p t
  for p in "$@"; do
    t=$(stat -f -c %T "$p")
    case $t in
      nfs* | lustre | gpfs | fuse* | cifs | smb* | ceph | beegfs | panfs | afs | 9p)
        skip "$p is on $t here"
        ;;
    esac
  done
}
