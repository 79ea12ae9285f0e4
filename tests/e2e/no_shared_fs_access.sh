#!/bin/bash
# Under strace -f: no process opens or stats anything under PKGROOT except rank
# 0's one open per bundle (and fstat on it), and Python opens nothing under
# /usr/lib/python3*: it runs entirely from the staged copy.
. "$(dirname "$0")/../mpi/lib.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export OPENBLAS_NUM_THREADS=1
log=$SCRATCH/strace.log
STRACE_OPTS="-e trace=%file,%stat" strace_mpi "$log" 4 "$PYTHON_MPI" -c 'import numpy, mpi4py.MPI, json; print("done")'
[ "$STATUS" -eq 0 ] || fail "job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'done')" -eq 4 ] || fail "not all ranks ran: $(cat "$SCRATCH/out")"
grep -F "$PKGROOT" "$log" | grep -v ' execve(' >"$log.pkg" || true
procs=$(awk '{print $1}' "$log.pkg" | sort -u | wc -l)
opens=$(grep -cE ' open(at)?\(' "$log.pkg" || true)
others=$(grep -F "\"$PKGROOT" "$log.pkg" | grep -cvE ' open(at)?\(' || true)
[ "$procs" -eq 1 ] && [ "$opens" -eq 3 ] && [ "$others" -eq 0 ] ||
  fail "PKGROOT accessed by $procs processes, $opens opens, $others other calls: $(head "$log.pkg")"
# Successful opens/stats of the system Python tree (failed probes of other paths do not matter).
sys_hits=$(grep -E '"/usr/lib/python3[^"]*"' "$log" | grep -vE '= -1 ' | grep -v ' execve(' || true)
[ -z "$sys_hits" ] || fail "Python touched the system tree: $(echo "$sys_hits" | head -5)"
# The check is not blind: the staged tree was opened.
grep -qE "\"$CHROOT/pybcast-[0-9]+/cache/[0-9a-f]+/lib/python3/dist-packages/numpy/__init__.py\"" "$log" ||
  fail "strace log does not show numpy being imported from the stage"
echo "ok: PKGROOT: 1 process, $opens opens; /usr/lib/python3*: untouched"
