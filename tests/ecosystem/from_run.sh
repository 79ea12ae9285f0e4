#!/bin/bash
# pack --from-run on examples/allreduce_numpy.py (numpy + mpi4py): the bundle is
# smaller than `pack dist numpy mpi4py`, says what it left out, and runs the same
# script under python-mpi with 8 ranks on 4 virtual nodes (after a `pack python`
# bundle). Also: a trace under `mpirun -n 2`, --with-python alone, and a failing run.
. "$(dirname "$0")/lib.sh"
example=$SRC/examples/allreduce_numpy.py
py=/usr/bin/python3
cp "$ECO_BUNDLES/python.tar.zst" "$PKGROOT/"
"$PYBCAST" pack dist numpy mpi4py --python $py -o "$PKGROOT/dist.tar.zst" 2>/dev/null
"$PYBCAST" pack --from-run -o "$PKGROOT/app.tar.zst" -- $py "$example" 2>"$SCRATCH/report" ||
  fail "pack --from-run: $(cat "$SCRATCH/report")"
cat "$SCRATCH/report"
for line in "from-run: traced 1 Python process" "lib/python3/dist-packages/numpy " "lib/python3/dist-packages/mpi4py " \
  "from-run: left where they are" "python 3.11 itself" "system libraries (node-local)" "next to the script: $SRC/examples"; do
  grep -qF -- "$line" "$SCRATCH/report" || fail "report lacks '$line'"
done
from_run=$(stat -c %s "$PKGROOT/app.tar.zst") dist=$(stat -c %s "$PKGROOT/dist.tar.zst")
echo "pack --from-run: $from_run bytes; pack dist numpy mpi4py: $dist bytes"
[ "$from_run" -lt "$dist" ] || fail "from-run bundle ($from_run) is not smaller than pack dist numpy mpi4py ($dist)"
"$PYBCAST" inspect "$PKGROOT/app.tar.zst" | grep -q "^kind: *from-run" || fail "manifest kind is not from-run"
# What it holds: numpy's core extension, mpi4py's MPI module; no stdlib, no test suites.
members=$(tar -tf "$PKGROOT/app.tar.zst")
for m in lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so \
  lib/python3/dist-packages/mpi4py/MPI.cpython-311-x86_64-linux-gnu.so lib/python3/dist-packages/numpy/__init__.py; do
  grep -qxF "$m" <<<"$members" || fail "bundle lacks $m"
done
! grep -q "^lib/python3.11/\|numpy/.*/tests/" <<<"$members" || fail "bundle holds stdlib or tests: $(grep -m3 "^lib/python3.11/\|tests/" <<<"$members")"

export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python.tar.zst:app.tar.zst
PYBCAST_VIRTUAL_NODES=4 run_mpi 8 "$PYTHON_MPI" "$example"
[ "$STATUS" -eq 0 ] || fail "8 ranks on the from-run bundle: $(cat "$SCRATCH/out")"
grep -q "allreduce over 8 ranks: .* -> OK" "$SCRATCH/out" || fail "wrong result: $(cat "$SCRATCH/out")"
for g in 0 1 2 3; do
  [ "$(count_matches "rank [0-7]: sys.prefix=$CHROOT/pybcast-[0-9]+/vnode-$g/cache/[0-9a-f]{32}")" -eq 2 ] ||
    fail "vnode $g does not serve 2 ranks: $(cat "$SCRATCH/out")"
done
grep -q "numpy on rank 0: $CHROOT/pybcast-[0-9]*/vnode-0/cache/[0-9a-f]*/lib/python3/dist-packages/numpy/__init__.py" \
  "$SCRATCH/out" || fail "numpy not imported from the stage: $(cat "$SCRATCH/out")"

# Traced under mpirun -n 2: both processes report, the same modules.
"$PYBCAST" pack --from-run -o "$PKGROOT/app2.tar.zst" -- mpirun -n 2 $py "$example" 2>"$SCRATCH/report2" ||
  fail "pack --from-run under mpirun: $(cat "$SCRATCH/report2")"
grep -qF "from-run: traced 2 Python processes" "$SCRATCH/report2" || fail "not 2 processes: $(cat "$SCRATCH/report2")"

# --with-python: one self-contained bundle.
"$PYBCAST" pack --from-run --with-python -o "$PKGROOT/whole.tar.zst" -- $py "$example" 2>"$SCRATCH/report3" ||
  fail "--with-python: $(cat "$SCRATCH/report3")"
PYTHON_MPI_PACKAGES=whole.tar.zst PYBCAST_VIRTUAL_NODES=2 run_mpi 4 "$PYTHON_MPI" "$example"
[ "$STATUS" -eq 0 ] && grep -q "allreduce over 4 ranks: .* -> OK" "$SCRATCH/out" ||
  fail "4 ranks on the --with-python bundle alone: $(cat "$SCRATCH/out")"

# A run that fails packs nothing.
echo 'import sys; sys.exit(3)' >"$SCRATCH/bad.py"
if "$PYBCAST" pack --from-run -o "$PKGROOT/bad.tar.zst" -- $py "$SCRATCH/bad.py" 2>"$SCRATCH/err"; then
  fail "a failing run was packed"
fi
grep -q "failed (exit status 3)" "$SCRATCH/err" || fail "unclear error: $(cat "$SCRATCH/err")"
[ ! -e "$PKGROOT/bad.tar.zst" ] || fail "output left behind"
echo "ok: pack --from-run: $from_run bytes < $dist bytes (pack dist numpy mpi4py); runs on 8 ranks / 4 virtual nodes"
