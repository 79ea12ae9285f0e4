#!/bin/bash
# examples/slurm-srun.sbatch through stub sbatch/srun: 4 nodes x 32 tasks,
# scaled down to 8 ranks on 4 virtual nodes by the stub, staged and run.
. "$(dirname "$0")/lib.sh"
recipe_bundles
run_recipe sbatch "$SRC/examples/slurm-srun.sbatch"
expect_allreduce_ok 8
grep -q "^JOB sbatch nodes=4 ntasks-per-node=32" "$STUB_LOG" || fail "sbatch did not read the #SBATCH lines: $(cat "$STUB_LOG")"
grep -q "^RUN srun ranks=128 nodes=4 -> mpirun -n 8, 4 virtual nodes: python-mpi " "$STUB_LOG" ||
  fail "srun step not as expected: $(cat "$STUB_LOG")"
for g in 0 1 2 3; do
  [ "$(count_matches "rank [0-7]: sys.prefix=$CHROOT/pybcast-[0-9]+/vnode-$g/")" -eq 2 ] || fail "vnode $g: $(cat "$SCRATCH/out")"
done
echo "ok: slurm-srun.sbatch under stub sbatch/srun: 8 ranks on 4 virtual nodes"
