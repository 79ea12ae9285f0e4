#!/bin/bash
# The two-step workflow: `pybcast stage --print-env` in one mpirun, eval it,
# then the staged python3 itself under a second mpirun.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
run_mpi 2 "$PYBCAST" stage --print-env --chroot "$CHROOT" --pkgroot "$PKGROOT" python-3.11.tar.gz numpy.tar.gz mpi4py.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage --print-env: $(cat "$SCRATCH/out")"
grep -q "^export PYTHONHOME='$CHROOT/pybcast-" "$SCRATCH/out" || fail "no PYTHONHOME export: $(cat "$SCRATCH/out")"
eval "$(grep '^export ' "$SCRATCH/out")"
[ -x "$PYBCAST_PREFIX/bin/python3" ] || fail "no staged python3 at $PYBCAST_PREFIX"
run_mpi 4 python3 -c 'import sys, os, numpy; from mpi4py import MPI; print("STEP2", MPI.COMM_WORLD.rank, sys.prefix, os.environ["PYTHONHASHSEED"], hash("pybcast"))'
[ "$STATUS" -eq 0 ] || fail "step 2: $(cat "$SCRATCH/out")"
[ "$(count_matches "STEP2 [0-3] $PYBCAST_PREFIX ")" -eq 4 ] || fail "step 2 did not use the stage: $(cat "$SCRATCH/out")"
[ "$(grep -oE 'STEP2 [0-3] [^ ]+ [0-9]+ -?[0-9]+' "$SCRATCH/out" | awk '{print $4, $5}' | sort -u | wc -l)" -eq 1 ] ||
  fail "ranks disagree on the hash seed: $(cat "$SCRATCH/out")"
echo "ok: stage --print-env, then staged python3 under a second mpirun"

# Issue 18, C13: the exports of that first stage (PYTHONHOME, PATH,
# LD_LIBRARY_PATH into its entry) stay set for the rest of the job script. A
# later stage of other bundles, and python-mpi, must not take them for the
# user's: before, both failed ("PYTHONHOME=... maps to ... which holds no
# lib/python3.*/os.py").
first=$PYBCAST_PREFIX
run_mpi 2 "$PYBCAST" stage --print-env --chroot "$CHROOT" --pkgroot "$PKGROOT" python-3.11.tar.gz numpy.tar.gz
[ "$STATUS" -eq 0 ] || fail "a second stage --print-env after eval of the first: $(cat "$SCRATCH/out")"
eval "$(grep '^export ' "$SCRATCH/out")"
[ "$PYBCAST_PREFIX" != "$first" ] || fail "the second stage (other bundles) reused the first entry"
[[ $PYTHONHOME == "$PYBCAST_PREFIX"* && $LD_LIBRARY_PATH != *"$first"* && $PATH != *"$first"* ]] ||
  fail "the first stage's paths survived: PYTHONHOME=$PYTHONHOME LD_LIBRARY_PATH=$LD_LIBRARY_PATH PATH=$PATH"
PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz \
  run_mpi 2 "$PYTHON_MPI" -c 'import sys, numpy, mpi4py.MPI; print("LATER", sys.prefix)'
[ "$STATUS" -eq 0 ] || fail "python-mpi after eval of the exports: $(cat "$SCRATCH/out")"
[ "$(count_matches "LATER $CHROOT/pybcast-[0-9]+/cache/[0-9a-f]{32}")" -eq 2 ] || fail "$(cat "$SCRATCH/out")"
echo "ok: an earlier stage's exports are not taken for the user's by later stage and python-mpi calls"

# A CHROOT with a quote and a command substitution in its name: eval of the
# exports sets the variables to the literal path and runs nothing (every value,
# PYBCAST_PREFIX included, is single-quoted with quotes escaped).
odd="$SCRATCH/it's \$(touch $SCRATCH/injected)"
mkdir -p "$odd"
run_mpi 2 "$PYBCAST" stage --print-env --chroot "$odd" --pkgroot "$PKGROOT" python-3.11.tar.gz numpy.tar.gz mpi4py.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage --print-env into $odd: $(cat "$SCRATCH/out")"
unset PYBCAST_PREFIX
eval "$(grep '^export ' "$SCRATCH/out")"
[ ! -e "$SCRATCH/injected" ] || fail "eval of the exports ran a command from the CHROOT's name"
[[ $PYBCAST_PREFIX == "$odd"/pybcast-*/cache/* ]] && [ -x "$PYBCAST_PREFIX/bin/python3" ] ||
  fail "PYBCAST_PREFIX is not the literal staged path: '$PYBCAST_PREFIX'"
echo "ok: a quote and \$(...) in CHROOT stay literal through eval"

# Issue 18, C16: a running step-2 python3 holds no lock, yet `pybcast gc
# --all` must see that it uses the entry (before, gc removed it under it).
gcroot=$SCRATCH/gc-chroot
run_mpi 1 "$PYBCAST" stage --print-env --chroot "$gcroot" --pkgroot "$PKGROOT" python-3.11.tar.gz numpy.tar.gz mpi4py.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage for the gc case: $(cat "$SCRATCH/out")"
eval "$(grep '^export ' "$SCRATCH/out")"
python3 -c 'import numpy, time; open("'"$SCRATCH"'/step2-ready", "w").close(); time.sleep(120)' &
step2=$!
for _ in $(seq 100); do [ -e "$SCRATCH/step2-ready" ] && break; sleep 0.1; done
"$PYBCAST" gc --all --chroot "$gcroot" >"$SCRATCH/gc" 2>&1 || { kill $step2; fail "gc: $(cat "$SCRATCH/gc")"; }
alive=$([ -d "$PYBCAST_PREFIX" ] && echo yes || echo no)
kill $step2; wait $step2 2>/dev/null || true
grep -q "in use, kept" "$SCRATCH/gc" && [ "$alive" = yes ] ||
  fail "gc --all removed the entry a running step-2 python3 uses: $(cat "$SCRATCH/gc")"
"$PYBCAST" gc --all --chroot "$gcroot" >"$SCRATCH/gc" 2>&1 || fail "gc: $(cat "$SCRATCH/gc")"
[ ! -e "$PYBCAST_PREFIX" ] || fail "once the python3 ended, gc --all kept the entry: $(cat "$SCRATCH/gc")"
echo "ok: gc --all keeps an entry a step-2 python3 runs from, and removes it once that ends"
