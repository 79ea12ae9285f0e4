#!/bin/bash
# examples/pbs-mpiexec.pbs through stub qsub/mpiexec: select=4:mpiprocs=32
# gives a 128-line PBS_NODEFILE; mpiexec -n 128 runs as 8 ranks on 4 virtual nodes.
. "$(dirname "$0")/lib.sh"
recipe_bundles
cd "$SCRATCH"
run_recipe qsub "$SRC/examples/pbs-mpiexec.pbs"
expect_allreduce_ok 8
grep -q "^JOB qsub hosts=4 procs=32 " "$STUB_LOG" || fail "qsub did not read the #PBS lines: $(cat "$STUB_LOG")"
grep -q "^RUN mpiexec ranks=128 nodes=4 -> mpirun -n 8, 4 virtual nodes: python-mpi " "$STUB_LOG" ||
  fail "mpiexec not as expected: $(cat "$STUB_LOG")"
echo "ok: pbs-mpiexec.pbs under stub qsub/mpiexec: 8 ranks on 4 virtual nodes"
