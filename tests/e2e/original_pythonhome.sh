#!/bin/bash
# A site's `module load python` style environment: PYTHONHOME=/usr and
# PYTHONPATH=/usr/lib/python3/dist-packages, the original installation the
# bundles were packed from (their manifests' layout.source_prefix). python-mpi
# maps both into the staged copy, so Python and numpy come from the node on
# every rank, and says what it mapped; with PYBCAST_KEEP_PYTHONHOME=1 it keeps
# them and warns. A PYTHONHOME elsewhere is replaced by the staged home, with a
# warning; `stage --print-env` shows the mappings as comments.
. "$(dirname "$0")/../lib/mpi.sh"
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python-3.11.tar.zst" 2>/dev/null
"$PYBCAST" pack dist numpy --python /usr/bin/python3 -o "$PKGROOT/numpy.tar.zst" 2>/dev/null
"$PYBCAST" pack dist mpi4py --python /usr/bin/python3 -o "$PKGROOT/mpi4py.tar.zst" 2>/dev/null
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.zst:numpy.tar.zst:mpi4py.tar.zst
export PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1
export PYTHONHOME=/usr PYTHONPATH=/usr/lib/python3/dist-packages
code='import sys, numpy; from mpi4py import MPI; print("WHERE", MPI.COMM_WORLD.rank, sys.prefix, numpy.__file__)'
prefix_of() { ls -d "$CHROOT/pybcast-$(id -u)/vnode-$1"/cache/*; }

PYBCAST_REPORT=1 run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "python-mpi with PYTHONHOME=/usr: $(cat "$SCRATCH/out")"
for rank in 0 1 2 3; do
  p=$(prefix_of $((rank / 2)))
  grep -qE "^WHERE $rank $p $p/lib/python3/dist-packages/numpy/__init__.py$" "$SCRATCH/out" ||
    fail "rank $rank does not run from its node's copy $p: $(grep "^WHERE $rank" "$SCRATCH/out")"
done
p0=$(prefix_of 0)
grep -qE "^ *mapped PYTHONHOME /usr -> $p0$" "$SCRATCH/out" || fail "the report does not say PYTHONHOME was mapped: $(cat "$SCRATCH/out")"
grep -qE "^ *mapped PYTHONPATH /usr/lib/python3/dist-packages -> $p0/lib/python3/dist-packages$" "$SCRATCH/out" ||
  fail "the report does not say PYTHONPATH was mapped: $(cat "$SCRATCH/out")"
! grep -q "warning: PYTHONHOME" "$SCRATCH/out" || fail "a mapped PYTHONHOME is not worth a warning: $(cat "$SCRATCH/out")"

# Kept as the user asked: the original installation, and a warning (rank 0 only).
PYBCAST_KEEP_PYTHONHOME=1 run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "python-mpi with PYBCAST_KEEP_PYTHONHOME=1: $(cat "$SCRATCH/out")"
[ "$(count_matches "WHERE [0-3] /usr /usr/lib/python3/dist-packages/numpy/__init__.py")" -eq 4 ] ||
  fail "PYTHONHOME=/usr was not kept: $(cat "$SCRATCH/out")"
[ "$(grep -c "^python-mpi: warning: PYTHONHOME=/usr kept as set" "$SCRATCH/out")" -eq 1 ] ||
  fail "no (or more than one) warning that PYTHONHOME was kept: $(cat "$SCRATCH/out")"
grep -q "^python-mpi: warning: PYTHONPATH entry /usr/lib/python3/dist-packages kept as set" "$SCRATCH/out" ||
  fail "no warning that PYTHONPATH was kept: $(cat "$SCRATCH/out")"

# A PYTHONHOME that is no bundle's original prefix is replaced by the staged home, with a warning.
PYTHONHOME=/opt/nowhere PYTHONPATH= run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "python-mpi with PYTHONHOME=/opt/nowhere: $(cat "$SCRATCH/out")"
[ "$(count_matches "WHERE [0-3] $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/[0-9a-f]{32} ")" -eq 4 ] ||
  fail "PYTHONHOME=/opt/nowhere was not replaced: $(cat "$SCRATCH/out")"
[ "$(grep -c "^python-mpi: warning: PYTHONHOME=/opt/nowhere is outside the staged copy: replaced by $p0 " "$SCRATCH/out")" -eq 1 ] ||
  fail "no single warning naming the replaced PYTHONHOME: $(cat "$SCRATCH/out")"

# stage --print-env: the mappings as comment lines, then the mapped values.
unset PYBCAST_VIRTUAL_NODES
run_mpi 2 "$PYBCAST" stage --print-env
[ "$STATUS" -eq 0 ] || fail "stage --print-env: $(cat "$SCRATCH/out")"
p=$(ls -d "$CHROOT/pybcast-$(id -u)"/cache/*)
grep -qx "# mapped: PYTHONHOME /usr -> $p" "$SCRATCH/out" || fail "no mapping comment for PYTHONHOME: $(cat "$SCRATCH/out")"
grep -qx "# mapped: PYTHONPATH /usr/lib/python3/dist-packages -> $p/lib/python3/dist-packages" "$SCRATCH/out" ||
  fail "no mapping comment for PYTHONPATH: $(cat "$SCRATCH/out")"
grep -qx "export PYTHONHOME='$p'" "$SCRATCH/out" || fail "PYTHONHOME not exported as mapped: $(cat "$SCRATCH/out")"
grep -qx "export PYTHONPATH='$p/lib/python3/dist-packages'" "$SCRATCH/out" || fail "PYTHONPATH not exported as mapped: $(cat "$SCRATCH/out")"
echo "ok: PYTHONHOME and PYTHONPATH of the original installation mapped into the node copy; kept on request; others replaced"
