# Glue for the Slurm tests: hosts_lib.sh (tests/lib/mpi.sh and the pretend
# hosts) plus the real Slurm cluster of slurm_cluster.sh, and what a job needs
# to find the binaries under test and the bundles.
. "$(dirname "${BASH_SOURCE[0]}")/hosts_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/slurm_cluster.sh"
SLURM_JOB_TIMEOUT=${SLURM_JOB_TIMEOUT:-180}   # seconds before a test gives up on a job

# slurm_up K, where "this machine cannot do it" becomes a CTest skip; then the
# environment every job inherits (sbatch and srun pass the submitter's
# environment to the tasks, as --export=ALL does by default).
slurm_up_or_skip() {
  local rc=0
  # Debian's MPICH (ch4:ucx) is not set up for srun here; the jobs run Open MPI through PMIx.
  [ "$PYBCAST_MPI" = openmpi ] || skip "the Slurm tests run Open MPI under srun --mpi=pmix (PYBCAST_MPI=$PYBCAST_MPI)"
  slurm_up "$@" || rc=$?
  [ $rc -ne 77 ] || skip "$PBH_SKIP_REASON"
  [ $rc -eq 0 ] || fail "slurm_up $* failed"
  # Open MPI's TCP between the hosts goes over the bridge (tests/lib/mpi.sh pins it to lo),
  # and its shared-memory files go to each host's own /dev/shm, not to the shared $SCRATCH.
  export OMPI_MCA_btl_tcp_if_include=$PBH_SUBNET.0/24 OMPI_MCA_oob_tcp_if_include=$PBH_SUBNET.0/24
  unset OMPI_MCA_btl_vader_backing_directory
  # The binaries under test on PATH as an install puts them; the examples' inputs.
  mkdir -p "$SCRATCH/bin"
  ln -sf "$PYBCAST" "$SCRATCH/bin/pybcast"
  ln -sf "$PYTHON_MPI" "$SCRATCH/bin/python-mpi"
  export PATH=$SCRATCH/bin:$PATH SCRATCH PYBCAST_EXAMPLES=$REPO/examples
  export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
}

# The python, numpy and mpi4py bundles of the e2e fixture in $SCRATCH/bundles,
# where the examples look for them (PYTHON_MPI_PKGROOT defaults to $SCRATCH/bundles).
slurm_bundles() {
  [ -n "$PY_BUNDLES" ] || fail "PYBCAST_PYTHON_BUNDLES is not set"
  mkdir -p "$SCRATCH/bundles"
  cp "$PY_BUNDLES"/prefix/*.tar.gz "$SCRATCH/bundles/"
  export PYTHON_MPI_CHROOT=/dev/shm PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
  unset PYTHON_MPI_PKGROOT
}

# run_sbatch [SBATCH OPTIONS...] SCRIPT [ARGS...]: `sbatch --wait` from the head
# namespace, with a time limit; the job's output (stdout and stderr) in
# $SCRATCH/out, sbatch's status in $STATUS, the job id in $JOBID.
run_sbatch() {
  local n=$((${JOBS_RUN:-0} + 1))
  JOBS_RUN=$n
  set +e
  slurm_cmd timeout -k 10 "$SLURM_JOB_TIMEOUT" sbatch --wait --parsable --time=3 --chdir="$SCRATCH" \
    --output="$SCRATCH/job$n.out" "$@" >"$SCRATCH/sbatch$n.out" 2>&1
  STATUS=$?
  set -e
  JOBID=$(grep -m1 -oE '^[0-9]+' "$SCRATCH/sbatch$n.out" || true)
  cat "$SCRATCH/job$n.out" "$SCRATCH/sbatch$n.out" >"$SCRATCH/out" 2>/dev/null || true
  [ "$STATUS" -ne 124 ] && [ "$STATUS" -ne 137 ] || fail "sbatch --wait timed out after ${SLURM_JOB_TIMEOUT}s: $(cat "$SCRATCH/out")"
  [ -n "$JOBID" ] || fail "sbatch printed no job id: $(cat "$SCRATCH/out")"
}

# run_srun SRUN ARGS...: srun from the head namespace (an allocation of its own);
# output in $SCRATCH/out, status in $STATUS.
run_srun() {
  set +e
  slurm_cmd timeout -k 10 "$SLURM_JOB_TIMEOUT" srun --time=3 "$@" >"$SCRATCH/out" 2>&1
  STATUS=$?
  set -e
  [ "$STATUS" -ne 124 ] && [ "$STATUS" -ne 137 ] || fail "srun timed out after ${SLURM_JOB_TIMEOUT}s: $(cat "$SCRATCH/out")"
}

# HOST's cache entries (names), seen from outside.
host_cache() {
  ls -A "$(hosts_shm "$1")/pybcast-$(id -u)/cache" 2>/dev/null || true
}

# Tears the cluster and the hosts down and proves nothing is left.
finish_slurm() {
  slurm_down
  slurm_check_clean || fail "teardown left things behind"
}
