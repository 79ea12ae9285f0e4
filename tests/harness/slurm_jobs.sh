#!/bin/bash
# A real Slurm on 4 pretend hosts x 2 CPUs (tests/harness/slurm_cluster.sh):
# examples/slurm-srun.sbatch and examples/slurm-two-step.sbatch under
# `sbatch --wait`, python-mpi on 4 nodes x 2 tasks, node detection through
# MPI_COMM_TYPE_SHARED only. Each rank runs Python from its own node's
# /dev/shm (the inode of sys.prefix is that of its host's cache entry); a later
# job, and a second step of one job, hit the cache on every node;
# `srun --ntasks-per-node=1 pybcast gc --all` empties every node's cache.
. "$(dirname "$0")/slurm_lib.sh"
slurm_up_or_skip 4 --cpus 2
slurm_bundles
uid=$(id -u)
check=$TESTS_ROOT/harness/slurm_check.py

# expect_ranks_on_own_nodes WHAT [PYBCAST_PREFIX]: 8 "OK" lines of slurm_check.py,
# rank r on pbh(r/2), node communicator of 2, sys.prefix the one cache entry of
# the rank's own host (by inode); PYBCAST_PREFIX in the ranks' environment as
# given (python-mpi does not set it; eval of `stage --print-env` does).
expect_ranks_on_own_nodes() {
  local what=$1 key r h entry
  key=$(common_key)
  local prefix=/dev/shm/pybcast-$uid/cache/$key
  local env=${2:-None}
  [ "$env" != prefix ] || env=$prefix
  for r in 0 1 2 3 4 5 6 7; do
    h=pbh$((r / 2))
    entry=$(hosts_shm "$h")/pybcast-$uid/cache/$key
    [ "$(count_matches "rank $r/8 host $h node-size 2 prefix $prefix inode $(stat -c %i "$entry") env $env OK")" -eq 1 ] ||
      fail "$what: rank $r does not run from $h's own cache entry ($(stat -c %i "$entry")): $(cat "$SCRATCH/out")"
  done
}

# 1. The one-step example, cold: every node extracts into its own /dev/shm.
export PYBCAST_REPORT=1
run_sbatch --ntasks-per-node=2 "$REPO/examples/slurm-srun.sbatch" "$check"
[ "$STATUS" -eq 0 ] || fail "slurm-srun.sbatch failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(slurm_job_field "$JOBID" JobState)" = COMPLETED ] || fail "job $JOBID: $(slurm_cmd scontrol show job "$JOBID")"
expect_out "pybcast stage report: 8 ranks on 4 nodes, cache 0 hit / 4 extracted"
expect_ranks_on_own_nodes slurm-srun.sbatch
key=$(common_key)
[ ! -e "/dev/shm/pybcast-$uid/cache/$key" ] || fail "the job staged into this machine's own /dev/shm"
expect_no_leftovers_on_hosts

# 2. The two-step example: one task per node stages (a hit on all 4), then the
# staged python3 itself runs under srun, mpi4py initialising MPI.
run_sbatch --ntasks-per-node=2 "$REPO/examples/slurm-two-step.sbatch" "$check"
[ "$STATUS" -eq 0 ] || fail "slurm-two-step.sbatch failed ($STATUS): $(cat "$SCRATCH/out")"
expect_out "pybcast stage report: 4 ranks on 4 nodes, cache 4 hit / 0 extracted" "the staging step should hit on all 4"
expect_out "staged at /dev/shm/pybcast-$uid/cache/$key"
expect_ranks_on_own_nodes slurm-two-step.sbatch prefix

# 3. The one-step example again, with its own allreduce script: a later job hits everywhere.
run_sbatch --ntasks-per-node=2 "$REPO/examples/slurm-srun.sbatch"
[ "$STATUS" -eq 0 ] || fail "slurm-srun.sbatch (allreduce_numpy.py) failed ($STATUS): $(cat "$SCRATCH/out")"
expect_out "pybcast stage report: 8 ranks on 4 nodes, cache 4 hit / 0 extracted" "a later job should hit on all 4"
grep -qE "allreduce over 8 ranks: .* -> OK" "$SCRATCH/out" || fail "allreduce_numpy.py: $(cat "$SCRATCH/out")"
[ "$(count_matches "rank [0-7]: sys.prefix=/dev/shm/pybcast-$uid/cache/$key")" -eq 8 ] || fail "allreduce_numpy.py: $(cat "$SCRATCH/out")"

# 4. gc, one task per node, empties every node's cache.
for h in "${PBH_HOSTS[@]}"; do [ -n "$(host_cache "$h")" ] || fail "$h has no cache entry before gc"; done
run_srun --nodes=4 --ntasks-per-node=1 pybcast gc --all
[ "$STATUS" -eq 0 ] || fail "srun pybcast gc --all failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(count_matches "removed 1 entries")" -eq 4 ] || fail "gc should remove one entry on each of 4 nodes: $(cat "$SCRATCH/out")"
for h in "${PBH_HOSTS[@]}"; do
  [ -z "$(host_cache "$h")" ] || fail "$h's cache is not empty after gc --all: $(host_cache "$h")"
done
expect_no_leftovers_on_hosts

# 5. One job, two python-mpi steps: the first extracts on every node (gc emptied them), the second hits on every node.
cat >"$SCRATCH/two-steps.sbatch" <<SH
#!/bin/bash
set -euo pipefail
export PYTHON_MPI_PKGROOT=$SCRATCH/bundles
echo "step 1"
srun python-mpi "$check"
echo "step 2"
srun python-mpi "$check"
SH
run_sbatch --nodes=4 --ntasks-per-node=2 "$SCRATCH/two-steps.sbatch"
[ "$STATUS" -eq 0 ] || fail "two-step job failed ($STATUS): $(cat "$SCRATCH/out")"
sed -n '/^step 1$/,/^step 2$/p' "$SCRATCH/out" | grep -qF "8 ranks on 4 nodes, cache 0 hit / 4 extracted" ||
  fail "step 1 after gc should extract on all 4: $(cat "$SCRATCH/out")"
sed -n '/^step 2$/,$p' "$SCRATCH/out" | grep -qF "8 ranks on 4 nodes, cache 4 hit / 0 extracted" ||
  fail "step 2 should hit on all 4: $(cat "$SCRATCH/out")"
[ "$(count_matches "host pbh[0-3] node-size 2 prefix /dev/shm/pybcast-$uid/cache/$key inode [0-9]+ env [^ ]+ OK")" -eq 16 ] ||
  fail "two-step job: not 16 OK lines: $(cat "$SCRATCH/out")"

finish_slurm
echo "ok: real Slurm on 4 pretend hosts: both sbatch examples, node-local prefixes, cache hits on later jobs and steps, gc --all on every node"
