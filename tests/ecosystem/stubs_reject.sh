#!/bin/bash
# The stub launchers the recipe tests rely on do check their arguments:
# malformed ones are refused (exit 64) before anything runs.
. "$(dirname "$0")/lib.sh"
export STUB_LOG=$SCRATCH/stub.log STUB_DIR=$SCRATCH
stubs=$ECO/stubs
refused() {  # DESCRIPTION COMMAND...
  local what=$1
  shift
  set +e
  "$@" >"$SCRATCH/out" 2>&1
  local status=$?
  set -e
  [ "$status" -eq 64 ] || fail "$what: expected refusal (64), got $status: $(cat "$SCRATCH/out")"
}
printf '#!/bin/bash\n#SBATCH --nodes=two\necho ran\n' >"$SCRATCH/bad-nodes.sbatch"
printf '#!/bin/bash\n#SBATCH --frobnicate=1\necho ran\n' >"$SCRATCH/bad-option.sbatch"
printf '#!/bin/bash\n#PBS -l select=4:ncpus\necho ran\n' >"$SCRATCH/bad-select.pbs"
printf '#!/bin/bash\n#PBS -l walltime=ten\necho ran\n' >"$SCRATCH/bad-walltime.pbs"
refused "sbatch --nodes=two" "$stubs/sbatch" "$SCRATCH/bad-nodes.sbatch"
refused "sbatch unknown option" "$stubs/sbatch" "$SCRATCH/bad-option.sbatch"
refused "srun outside a job" env -u SLURM_JOB_ID "$stubs/srun" -n 2 true
refused "srun --ntasks=x" env SLURM_JOB_ID=1 SLURM_JOB_NUM_NODES=2 SLURM_NTASKS_PER_NODE=2 "$stubs/srun" --ntasks=x true
refused "srun beyond the allocation" env SLURM_JOB_ID=1 SLURM_JOB_NUM_NODES=2 SLURM_NTASKS_PER_NODE=2 "$stubs/srun" --nodes=3 true
refused "srun without a command" env SLURM_JOB_ID=1 SLURM_JOB_NUM_NODES=2 SLURM_NTASKS_PER_NODE=2 "$stubs/srun" -n 2
refused "qsub select without count" "$stubs/qsub" "$SCRATCH/bad-select.pbs"
refused "qsub bad walltime" "$stubs/qsub" "$SCRATCH/bad-walltime.pbs"
refused "mpiexec outside a PBS job" env -u PBS_NODEFILE "$stubs/mpiexec" -n 2 true
refused "aprun without -n" "$stubs/aprun" -N 2 true
refused "aprun long option" "$stubs/aprun" --ntasks 2 true
refused "aprun beyond mppwidth" env PBS_MPPWIDTH=16 "$stubs/aprun" -n 32 true
refused "flux run -N 0" "$stubs/flux" run -N 0 true
refused "flux frobnicate" "$stubs/flux" frobnicate
[ "$(grep -c '^BAD' "$STUB_LOG")" -eq 14 ] || fail "expected 14 refusals logged: $(cat "$STUB_LOG")"
grep -q '^RUN' "$STUB_LOG" && fail "a refused call ran something: $(cat "$STUB_LOG")"
echo "ok: the stub launchers refuse 14 kinds of malformed arguments"
