#!/bin/bash
# examples/slurm-two-step.sbatch through stub sbatch/srun: one task per node
# runs `pybcast stage --print-env`, then the staged python3 itself runs the script.
. "$(dirname "$0")/lib.sh"
recipe_bundles
run_recipe sbatch "$SRC/examples/slurm-two-step.sbatch"
expect_allreduce_ok 8
grep -q "^RUN srun ranks=4 nodes=4 -> mpirun -n 4, 4 virtual nodes: pybcast stage --print-env" "$STUB_LOG" ||
  fail "no staging step with one task per node: $(cat "$STUB_LOG")"
grep -q "^RUN srun ranks=128 nodes=4 -> mpirun -n 8, 4 virtual nodes: python3 " "$STUB_LOG" ||
  fail "no python3 step: $(cat "$STUB_LOG")"
prefix=$(sed -n 's/^staged at //p' "$SCRATCH/out")
[[ $prefix == "$CHROOT"/pybcast-*/vnode-0/cache/* ]] || fail "staged at '$prefix': $(cat "$SCRATCH/out")"
[ "$(count_matches "rank [0-7]: sys.prefix=$prefix")" -eq 8 ] || fail "step 2 did not run the staged python3: $(cat "$SCRATCH/out")"
for g in 0 1 2 3; do [ -d "$(ls -d "$CHROOT"/pybcast-*/vnode-$g/cache/* | head -1)" ] || fail "vnode $g not staged"; done
echo "ok: slurm-two-step.sbatch: stage --print-env on 4 nodes, then the staged python3 on 8 ranks"
