#!/bin/bash
# python-mpi passes -c, -m, script arguments and sys.argv exactly, propagates
# exit codes, and a SystemExit(3) on rank 5 of 8 ends the job within seconds.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz

cat >"$SCRATCH/argv.py" <<'PY'
import sys
print("ARGV", repr(sys.argv[1:]))
PY
run_mpi 2 "$PYTHON_MPI" "$SCRATCH/argv.py" "a b" "" "-c" "--x=1" "é"
[ "$STATUS" -eq 0 ] || fail "script: $(cat "$SCRATCH/out")"
[ "$(count_matches "ARGV \['a b', '', '-c', '--x=1', 'é'\]")" -eq 2 ] || fail "argv mangled: $(cat "$SCRATCH/out")"

run_mpi 1 "$PYTHON_MPI" -c 'import sys; print("C", sys.argv)' one two
grep -q "^C \['-c', 'one', 'two'\]$" "$SCRATCH/out" || fail "-c argv: $(cat "$SCRATCH/out")"

mkdir -p "$SCRATCH/mods" && echo 'import sys; print("M", __name__, sys.argv[1:])' >"$SCRATCH/mods/hello_mod.py"
(cd "$SCRATCH/mods" && run_mpi 1 "$PYTHON_MPI" -m hello_mod p q)
grep -q "^M __main__ \['p', 'q'\]$" "$SCRATCH/out" || fail "-m: $(cat "$SCRATCH/out")"

echo 'print("STDIN", 6 * 7)' >"$SCRATCH/stdin.py"
set +e
mpirun -n 1 "$PYTHON_MPI" - <"$SCRATCH/stdin.py" >"$SCRATCH/out" 2>&1
set -e
grep -q "^STDIN 42$" "$SCRATCH/out" || fail "stdin: $(cat "$SCRATCH/out")"

set +e
echo 'import sys; print("NOARGS", sys.argv)' | mpirun -n 1 "$PYTHON_MPI" >"$SCRATCH/out" 2>&1
set -e
grep -q "^NOARGS \[''\]$" "$SCRATCH/out" || fail "no arguments (program on stdin): $(cat "$SCRATCH/out")"

run_mpi 1 "$PYTHON_MPI" -c 'raise SystemExit(7)'
[ "$STATUS" -eq 7 ] || fail "exit code 7 became $STATUS"
run_mpi 1 "$PYTHON_MPI" -c 'raise ValueError("boom")'
[ "$STATUS" -eq 1 ] && grep -q "ValueError: boom" "$SCRATCH/out" || fail "uncaught exception: $STATUS $(cat "$SCRATCH/out")"

run_mpi 8 "$PYTHON_MPI" -c '
from mpi4py import MPI
import time
comm = MPI.COMM_WORLD
if comm.rank == 5:
    raise SystemExit(3)
comm.Barrier()   # the other 7 ranks would wait here forever without MPI_Abort
'
[ "$STATUS" -ne 0 ] && [ "$STATUS" -ne 124 ] || fail "rank 5 failure: status $STATUS"
awk -v t="$ELAPSED" 'BEGIN { exit !(t < 15) }' || fail "took ${ELAPSED}s to end the job"
grep -q "python-mpi: rank 5 exited with status 3; aborting the job" "$SCRATCH/out" || fail "no abort message: $(cat "$SCRATCH/out")"
echo "ok: argv, -c, -m, stdin, exit codes; rank 5 failure ended 8 ranks in ${ELAPSED}s"

run_mpi 2 "$PYTHON_MPI"
expect_failure_everywhere 2 "interactive Python needs a single rank"

# Issue 18 (suspected): a child the script forks inherits the launcher's exit
# handler; its sys.exit(3) must not abort the job (before: "rank 0 exited with
# status 3; aborting the job" from the child, and the job died with it).
run_mpi 2 "$PYTHON_MPI" -c '
import os, sys
from mpi4py import MPI
pid = os.fork()
if pid == 0:
    sys.exit(3)
_, status = os.waitpid(pid, 0)
MPI.COMM_WORLD.Barrier()
print("PARENT", MPI.COMM_WORLD.rank, "child status", os.waitstatus_to_exitcode(status))'
[ "$STATUS" -eq 0 ] || fail "a forked child's sys.exit ended the job: $STATUS $(cat "$SCRATCH/out")"
[ "$(count_matches "PARENT [01] child status 3")" -eq 2 ] || fail "$(cat "$SCRATCH/out")"
! grep -q "aborting the job" "$SCRATCH/out" || fail "the child ran the launcher's exit handler: $(cat "$SCRATCH/out")"
echo "ok: a forked child's sys.exit leaves the job alone"
