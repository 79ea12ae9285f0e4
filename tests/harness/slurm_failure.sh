#!/bin/bash
# A failing rank under a real Slurm (4 pretend hosts x 2 tasks): rank 5 raises
# while every other rank waits in a barrier. python-mpi aborts the MPI job, so
# the job step ends at once instead of hanging until the time limit: sbatch
# --wait exits non-zero, and Slurm records the job as FAILED with a non-zero
# exit code (scontrol and the job-completion log), not TIMEOUT or CANCELLED.
# Before it: an image-bundle job cancelled while it runs leaves no mount and
# no server on any host, and the control job runs from that image.
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
# Image bundles (issue 29) under Slurm: a job step killed by scancel (SIGTERM, then SIGKILL
# after KillWait, to every process of the step) leaves no mount and no image server on any
# host: the server, in a session of its own, is still the step's (proctrack follows
# parentage), and gets SIGTERM too, or from its dying leader (PR_SET_PDEATHSIG).
image_mounts() {  # HOST: image mounts in the host's node cache (its mount namespace is slurmd's)
  grep -cE " /dev/shm/pybcast-$(id -u)/cache/[0-9a-f.]+ .* - fuse\.(pybcast|squashfuse_ll) " \
    "/proc/$(cat "$SLURM_DIR/slurmd-$1.pid")/mountinfo" || true
}
image_servers() { pgrep -f "(pybcast-image-server|squashfuse_ll) .*/pybcast-$(id -u)/" || true; }
(cd "$SCRATCH/bundles" && "$PYBCAST" pack image python-3.11.tar.gz numpy.tar.gz mpi4py.tar.gz -o demo.sqfs 2>/dev/null) ||
  fail "pack image failed"
cat >"$SCRATCH/image.sbatch" <<SH
#!/bin/bash
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=2
export PYTHON_MPI_PKGROOT=$SCRATCH/bundles PYTHON_MPI_PACKAGES=demo.sqfs
srun python-mpi -c "import time; print('up', flush=True); time.sleep(120)"
SH
slurm_cmd sbatch --parsable --time=3 --chdir="$SCRATCH" --output="$SCRATCH/image-job.out" "$SCRATCH/image.sbatch" \
  >"$SCRATCH/image-sbatch.out" 2>&1 || fail "sbatch: $(cat "$SCRATCH/image-sbatch.out")"
image_job=$(grep -m1 -oE '^[0-9]+' "$SCRATCH/image-sbatch.out")
for _ in $(seq 600); do
  mounted=0
  for h in pbh0 pbh1 pbh2 pbh3; do [ "$(image_mounts "$h")" -eq 1 ] && mounted=$((mounted + 1)); done
  [ "$mounted" -eq 4 ] && break
  sleep 0.1
done
[ "$mounted" -eq 4 ] || fail "the image is not mounted on every host: $(cat "$SCRATCH/image-job.out")"
slurm_cmd scancel "$image_job"
for _ in $(seq 200); do
  left=0
  for h in pbh0 pbh1 pbh2 pbh3; do left=$((left + $(image_mounts "$h"))); done
  [ "$left" -eq 0 ] && [ -z "$(image_servers)" ] && break
  sleep 0.1
done
[ "$left" -eq 0 ] || fail "scancel left $left image mounts on the hosts"
[ -z "$(image_servers)" ] || fail "scancel left image servers: $(image_servers | xargs ps -o pid,cmd -p)"
for _ in $(seq 100); do [ "$(slurm_job_field "$image_job" JobState)" = CANCELLED ] && break; sleep 0.1; done
[ "$(slurm_job_field "$image_job" JobState)" = CANCELLED ] ||
  fail "image job $image_job is $(slurm_job_field "$image_job" JobState), not CANCELLED"

# The control next, from the image the cancelled job left in the hosts' caches: the same
# job without the failure completes (so the checks below can tell).
export PYTHON_MPI_PACKAGES=demo.sqfs
sed 's/comm.rank == 5/comm.rank == -1/' "$SCRATCH/fail.py" >"$SCRATCH/pass.py"
sed "s|fail.py|pass.py|" "$SCRATCH/fail.sbatch" >"$SCRATCH/pass.sbatch"
run_sbatch "$SCRATCH/pass.sbatch"
[ "$STATUS" -eq 0 ] || fail "the job without a failure failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(slurm_job_field "$JOBID" JobState)" = COMPLETED ] || fail "control job: $(slurm_cmd scontrol show job "$JOBID")"
[ "$(count_matches "rank [0-7] passed the barrier")" -eq 8 ] || fail "control job: $(cat "$SCRATCH/out")"
grep -qx "srun exited 0" "$SCRATCH/out" || fail "control job: $(cat "$SCRATCH/out")"
for h in pbh0 pbh1 pbh2 pbh3; do
  [ "$(image_mounts "$h")" -eq 0 ] || fail "the control job left a mount on $h"
  ls "$(hosts_shm "$h")"/pybcast-*/images/*/image.sqfs >/dev/null 2>&1 || fail "no image in $h's cache"
done
export PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz

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
