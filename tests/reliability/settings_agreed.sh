#!/bin/bash
# Settings come from each rank's environment, and launchers do not always give
# every rank the same one. MPMD launches where one rank differs:
#   - PYBCAST_REPORT on rank 0 only (a gather only some ranks would enter),
#     PYBCAST_VIRTUAL_NODES on one other rank only: the job runs (rank 0's
#     settings everywhere) and rank 0 warns, naming the rank and the settings;
#   - an invalid PYBCAST_CHUNK_SIZE on one rank: every rank fails with its
#     message, exit 1, instead of the others waiting for it;
#   - PYBCAST_NO_ABORT=1 PYBCAST_CLEANUP=1 with one rank exiting 3: the job
#     ends (every rank enters the same end-of-job step) and the entries stay.
# Before, each of these hung until the launcher's timeout.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT OPENBLAS_NUM_THREADS=1
export PYTHON_MPI_PACKAGES=$PY_STACK_PACKAGES
# No mpi4py (Debian's is built against Open MPI; this test runs under MPICH too): the
# launcher's rank variable tells each rank who it is.
code="import os; print('rank', os.environ['$RANK_VAR'], 'ok')"
# mpmd ENV_RANK0 ENV_RANK2: 4 ranks, ranks 0 and 2 with extra environment (env NAME=VALUE ...).
mpmd() {
  local a=$1 b=$2
  launch_cmd 1
  local cmd=("${LAUNCH[@]}" env $a "$PYTHON_MPI" -c "$code" : -n 1 "$PYTHON_MPI" -c "$code"
    : -n 1 env $b "$PYTHON_MPI" -c "$code" : -n 1 "$PYTHON_MPI" -c "$code")
  local start=$(date +%s.%N)
  LAST_PROGRAM=python-mpi
  set +e
  timeout -k 10 60 "${cmd[@]}" >"$SCRATCH/mpirun.out" 2>&1
  STATUS=$?
  set -e
  ELAPSED=$(echo "$(date +%s.%N) - $start" | bc)
  collect_output
}
unset PYBCAST_VIRTUAL_NODES
mpmd "PYBCAST_REPORT=1" "PYBCAST_VIRTUAL_NODES=2"
[ "$STATUS" -ne 124 ] || fail "settings that differ between ranks hung the job"
[ "$STATUS" -eq 0 ] || fail "the job failed: $(cat "$SCRATCH/out")"
[ "$(count_matches "rank [0-3] ok")" -eq 4 ] || fail "not every rank ran: $(cat "$SCRATCH/out")"
grep -q "pybcast stage report: 4 ranks" "$SCRATCH/out" || fail "rank 0's PYBCAST_REPORT was not used: $(cat "$SCRATCH/out")"
grep -qE "python-mpi: warning: settings differ between ranks \(first: rank 1, in .*PYBCAST_REPORT" "$SCRATCH/out" ||
  fail "no warning naming the rank and the setting: $(cat "$SCRATCH/out")"
echo "ok: PYBCAST_REPORT on rank 0 only and PYBCAST_VIRTUAL_NODES on rank 2 only: rank 0's used, warned, $(printf '%.1f' "$ELAPSED") s"

mpmd "" "PYBCAST_CHUNK_SIZE=lots"
[ "$STATUS" -ne 124 ] || fail "an invalid setting on one rank hung the job"
expect_failure_everywhere 4 "invalid size 'lots'"
echo "ok: an invalid PYBCAST_CHUNK_SIZE on rank 2: every rank failed with its message"

rm -rf "$CHROOT" && mkdir -p "$CHROOT"  # the entries of the real-node runs above
export PYBCAST_NO_ABORT=1 PYBCAST_CLEANUP=1 PYBCAST_VIRTUAL_NODES=2
run_mpi 4 "$PYTHON_MPI" -c "import os, sys; sys.exit(3 if os.environ['$RANK_VAR'] == '1' else 0)"
[ "$STATUS" -ne 124 ] || fail "PYBCAST_NO_ABORT=1 PYBCAST_CLEANUP=1 with a failing rank hung"
[ "$STATUS" -ne 0 ] || fail "the failing rank's status was lost: $(cat "$SCRATCH/out")"
grep -q -- "--cleanup: a rank failed; the cache entries are kept" "$SCRATCH/out" || fail "$(cat "$SCRATCH/out")"
vnode_prefix 0 >/dev/null && vnode_prefix 1 >/dev/null
echo "ok: PYBCAST_NO_ABORT=1 + PYBCAST_CLEANUP=1 with a failing rank: the job ended with status $STATUS, entries kept"
run_mpi 4 "$PYTHON_MPI" -c 'pass'
[ "$STATUS" -eq 0 ] || fail "a successful --cleanup job failed: $(cat "$SCRATCH/out")"
[ -z "$(find "$CHROOT" -mindepth 4 -maxdepth 4 -path "*/cache/*")" ] || fail "--cleanup after success left entries: $(cat "$SCRATCH/out")"
echo "ok: the same job succeeding removes the entries"
