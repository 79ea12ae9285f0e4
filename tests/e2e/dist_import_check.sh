#!/bin/bash
# pack dist checks that what it packed imports on its own (issue 26):
# Debian strips torch's requirements, so `pack dist torch --deps` gives a set
# in which `import torch` fails; pack warns naming typing_extensions and
# numpy (where they live, their distributions) and the command that adds
# them; that command's bundle passes the check and imports torch on every
# rank under python-mpi (2 ranks / 2 virtual nodes). --no-check skips it;
# `inspect --check-import` runs it later and fails naming the missing module.
. "$(dirname "$0")/../lib/mpi.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch' 2>/dev/null || skip "Debian's python3-torch is not installed"
cd "$SCRATCH"
pack() { "$PYBCAST" pack "$@" >pack.out 2>&1 || fail "pack $*: $(tail -3 pack.out)"; }
pack dist torch --deps --python "$PY" --no-compile -o "$PKGROOT/torch-alone.tar.zst"
grep -q "the packed set does not import on its own" pack.out || fail "no import-check warning: $(cat pack.out)"
for m in typing_extensions numpy; do
  grep -qE "$m from /usr/lib/python3/dist-packages/$m[^ ]* \($m\)" pack.out || fail "the warning does not name $m: $(grep -a 'import on its own' pack.out)"
done
fix=$(grep -oE "to add them: pybcast pack dist .*" pack.out | sed 's/^to add them: pybcast //')
[ -n "$fix" ] || fail "no command to add them: $(cat pack.out)"
echo "ok: pack dist torch --deps warns: $(grep -oE 'it needs module.*\(numpy\)' pack.out | head -1)"

pack dist torch --deps --python "$PY" --no-compile --no-check -o none.tar.zst
! grep -q "import" pack.out || fail "--no-check still checked: $(grep import pack.out)"

set +e
"$PYBCAST" inspect --check-import "$PKGROOT/torch-alone.tar.zst" --python "$PY" >inspect.out 2>&1
status=$?
set -e
[ "$status" -eq 1 ] && grep -q "typing_extensions" inspect.out || fail "inspect --check-import of the incomplete set: status $status, $(tail -2 inspect.out)"
echo "ok: inspect --check-import fails on the incomplete set, naming typing_extensions"

# shellcheck disable=SC2086  # the command as pack printed it, word-split
"$PYBCAST" $fix --no-compile >pack.out 2>&1 || fail "the suggested command failed: $fix: $(tail -3 pack.out)"
grep -qE "import check: .*torch.* import on their own" pack.out || fail "the suggested bundle does not pass: $(cat pack.out)"
out=$(sed -E 's/.* -o ([^ ]+) .*/\1/' <<<"$fix")
mv "$out" "$PKGROOT/torch.tar.zst"
echo "ok: the suggested command ($fix) passes the check"

pack python --python "$PY" --no-compile -o "$PKGROOT/python.tar.zst"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python.tar.zst:torch.tar.zst PYBCAST_VIRTUAL_NODES=2
export OMP_NUM_THREADS=1
run_mpi 2 "$PYTHON_MPI" -c '
import os, torch
print("TORCH", "ok" if torch.__file__.startswith(os.environ["PYTHON_MPI_CHROOT"] + "/") else torch.__file__, float(torch.ones(2).sum()))'
[ "$STATUS" -eq 0 ] && [ "$(count_matches 'TORCH ok 2.0')" -eq 2 ] || fail "import torch from the checked set: $(tail -20 "$SCRATCH/out")"
echo "ok: with them added, import torch works on both ranks"
