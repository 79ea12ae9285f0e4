#!/bin/bash
# A failing rank under a real Slurm (4 pretend hosts x 2 tasks): rank 5 raises
# while every other rank waits in a barrier. python-mpi aborts the MPI job, so
# the job step ends at once instead of hanging until the time limit: sbatch
# --wait exits non-zero, and Slurm records the job as FAILED with a non-zero
# exit code (scontrol and the job-completion log), not TIMEOUT or CANCELLED.
. "$(dirname "$0")/slurm_lib.sh"
slurm_up_or_skip 4 --cpus 2
slurm_bundles
cat >"$SCRATCH/fail.py" <<'PY'
from mpi4py import MPI
comm = MPI.COMM_WORLD
if comm.rank == 5:
    raise RuntimeError("rank 5 fails on purpose")
comm.Barrier()
print(f"rank {comm.rank} passed the barrier", flush=True)
PY
cat >"$SCRATCH/fail.sbatch" <<SH
#!/bin/bash
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=2
export PYTHON_MPI_PKGROOT=$SCRATCH/bundles
srun python-mpi "$SCRATCH/fail.py"
rc=\$?
echo "srun exited \$rc"
exit \$rc
SH
# The control first: the same job without the failure completes (so the checks below can tell).
sed 's/comm.rank == 5/comm.rank == -1/' "$SCRATCH/fail.py" >"$SCRATCH/pass.py"
sed "s|fail.py|pass.py|" "$SCRATCH/fail.sbatch" >"$SCRATCH/pass.sbatch"
run_sbatch "$SCRATCH/pass.sbatch"
[ "$STATUS" -eq 0 ] || fail "the job without a failure failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(slurm_job_field "$JOBID" JobState)" = COMPLETED ] || fail "control job: $(slurm_cmd scontrol show job "$JOBID")"
[ "$(count_matches "rank [0-7] passed the barrier")" -eq 8 ] || fail "control job: $(cat "$SCRATCH/out")"
grep -qx "srun exited 0" "$SCRATCH/out" || fail "control job: $(cat "$SCRATCH/out")"

run_sbatch "$SCRATCH/fail.sbatch"
[ "$STATUS" -ne 0 ] || fail "sbatch --wait exited 0 for a failing job: $(cat "$SCRATCH/out")"
state=$(slurm_job_field "$JOBID" JobState)
exit_code=$(slurm_job_field "$JOBID" ExitCode)
[ "$state" = FAILED ] || fail "job $JOBID ended $state, expected FAILED: $(slurm_cmd scontrol show job "$JOBID"; cat "$SCRATCH/out")"
[ "${exit_code%%:*}" -ne 0 ] || fail "job $JOBID has ExitCode $exit_code"
grep -q "RuntimeError: rank 5 fails on purpose" "$SCRATCH/out" || fail "the failing rank's traceback is missing: $(cat "$SCRATCH/out")"
# The step itself failed: srun returned non-zero, and no rank got past the barrier.
grep -qE "^srun exited [1-9][0-9]*$" "$SCRATCH/out" || fail "srun did not fail: $(cat "$SCRATCH/out")"
[ "$(count_matches "passed the barrier")" -eq 0 ] || fail "ranks passed a barrier rank 5 never reached: $(cat "$SCRATCH/out")"
# The job-completion log agrees.
grep -E "JobId=$JOBID .*JobState=FAILED" "$SLURM_DIR/jobcomp.txt" >/dev/null ||
  fail "jobcomp log: $(grep "JobId=$JOBID " "$SLURM_DIR/jobcomp.txt")"

finish_slurm
echo "ok: a failing rank ends the Slurm job: sbatch --wait exit $STATUS, JobState=$state, ExitCode=$exit_code"
