#!/bin/bash
# examples/flux-run.sh through a stub flux: `flux batch -N 4` then
# `flux run -N 4 --tasks-per-node=32 ...` as 8 ranks on 4 virtual nodes.
. "$(dirname "$0")/lib.sh"
recipe_bundles
run_recipe flux batch -N 4 "$SRC/examples/flux-run.sh"
expect_allreduce_ok 8
grep -q "^JOB flux batch nodes=4 " "$STUB_LOG" || fail "flux batch: $(cat "$STUB_LOG")"
grep -q "^RUN flux ranks=128 nodes=4 -> mpirun -n 8, 4 virtual nodes: python-mpi " "$STUB_LOG" ||
  fail "flux run not as expected: $(cat "$STUB_LOG")"
echo "ok: flux-run.sh under a stub flux: 8 ranks on 4 virtual nodes"
