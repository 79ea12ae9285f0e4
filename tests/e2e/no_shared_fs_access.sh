#!/bin/bash
# Under strace -f: no process opens or stats anything under PKGROOT except rank
# 0's one open per bundle (and fstat on it), and Python opens nothing under
# /usr/lib/python3*: it runs entirely from the staged copy.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export OPENBLAS_NUM_THREADS=1
log=$SCRATCH/strace.log
STRACE_OPTS="-e trace=%file,%stat" strace_mpi "$log" 4 "$PYTHON_MPI" -c 'import numpy, mpi4py.MPI, json; print("done")'
[ "$STATUS" -eq 0 ] || fail "job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'done')" -eq 4 ] || fail "not all ranks ran: $(cat "$SCRATCH/out")"
# One process, one open per bundle (3), no lookup by path, fstat only on the open fds.
expect_one_reader "$log" PKGROOT 3 6
# Successful opens/stats of the system Python tree (failed probes of other paths do not matter).
sys_hits=$(grep -E '"/usr/lib/python3[^"]*"' "$log" | grep -vE '= -1 ' | grep -v ' execve(' || true)
[ -z "$sys_hits" ] || fail "Python touched the system tree: $(echo "$sys_hits" | head -5)"
# The check is not blind: the staged tree was opened.
grep -qE "\"$CHROOT/pybcast-[0-9]+/cache/[0-9a-f]+/lib/python3/dist-packages/numpy/__init__.py\"" "$log" ||
  fail "strace log does not show numpy being imported from the stage"
echo "ok: PKGROOT: 1 process, $PKG_OPENS opens, $PKG_FD_STATS fstat on open fds; /usr/lib/python3*: untouched"
