#!/bin/bash
# Every command: an unknown flag is a usage error, exit 2, with CLI11's message
# naming the flag, before anything else happens (stage and run parse before
# MPI_Init, so no launcher is needed). --help exits 0. python-mpi takes no
# flags of its own, so it has no usage errors.
set -uo pipefail
. "$(dirname "$0")/../lib/common.sh"
PYBCAST=${PYBCAST:?PYBCAST names the pybcast binary under test}
make_scratch /tmp/pybcast-cli-XXXXXX
scratch=$SCRATCH

for command in stage run pack inspect gc doctor; do
  "$PYBCAST" "$command" --bogus-flag >"$scratch/out" 2>"$scratch/err"
  status=$?
  [ $status -eq 2 ] || fail "pybcast $command --bogus-flag exited $status, not 2: $(cat "$scratch/err")"
  grep -q -- "--bogus-flag" "$scratch/err" || fail "pybcast $command --bogus-flag: the message does not name it: $(cat "$scratch/err")"
  "$PYBCAST" "$command" --help >"$scratch/out" 2>"$scratch/err"
  status=$?
  [ $status -eq 0 ] || fail "pybcast $command --help exited $status"
  grep -q "pybcast $command" "$scratch/out" || fail "pybcast $command --help does not show its usage: $(cat "$scratch/out")"
  echo "ok: pybcast $command --bogus-flag exits 2 naming the flag; --help exits 0"
done

# A command that parses but fails exits 1, naming what failed.
"$PYBCAST" inspect "$scratch/no-such-bundle.tar.zst" >"$scratch/out" 2>"$scratch/err"
status=$?
[ $status -eq 1 ] || fail "inspect of a missing bundle exited $status, not 1: $(cat "$scratch/err")"
grep -q "no-such-bundle" "$scratch/err" || fail "the error does not name the bundle: $(cat "$scratch/err")"
"$PYBCAST" pack dist >"$scratch/out" 2>"$scratch/err"
status=$?
[ $status -eq 2 ] || fail "pack dist without names exited $status, not 2"
"$PYBCAST" >"$scratch/out" 2>"$scratch/err"
[ $? -eq 2 ] || fail "pybcast without a command did not exit 2"
echo "ok: failures exit 1 naming what failed; a missing argument is a usage error (2)"

# Sizes too large for 64 bits are a clear error, not an abort or a wrapped value.
"$PYBCAST" gc --all --max-size 99999999999999999999 --chroot "$scratch" >"$scratch/out" 2>"$scratch/err"
status=$?
[ $status -eq 1 ] || fail "gc --max-size 99999999999999999999 exited $status, not 1: $(cat "$scratch/err")"
grep -q "invalid size '99999999999999999999': too large" "$scratch/err" || fail "no clear message: $(cat "$scratch/err")"
echo "ok: a size too large for 64 bits is an error naming it (exit 1)"
