#!/bin/bash
# Under the MPI of PYBCAST_MPI (scripts/ci-mpich.sh runs it with MPICH): the
# --audit JSON has the same shape and counts as under Open MPI (4 ranks, 2 virtual
# nodes, 3 opens per rank of a file on slowfs = 12), and a rank killed (SIGKILL)
# while the others are already in the end-of-job reduction does not hang the
# job: it ends, non-zero, as it does without --audit.
AUDIT_SLOWFS=1
. "$(dirname "$0")/lib.sh"
echo data >"$SCRATCH/src/data.txt"
slowfs_mount "$SCRATCH/src" "$MNT" --latency-ms=0
cat >"$SCRATCH/job.py" <<'PY'
import os, signal, sys, time
for _ in range(3):
    open(sys.argv[1]).read()
if len(sys.argv) > 2 and os.environ.get(sys.argv[2]) == "1":
    time.sleep(2)  # the others are waiting for this rank's tally by now
    os.kill(os.getpid(), signal.SIGKILL)
print("rank done", flush=True)
PY
export PYBCAST_VIRTUAL_NODES=2
json=$SCRATCH/audit.json
run_mpi 4 "$PYTHON_MPI" --audit-json "$json" "$SCRATCH/job.py" "$MNT/data.txt"
[ "$STATUS" -eq 0 ] || fail "$PYBCAST_MPI: job failed ($STATUS): $(cat "$SCRATCH/out")"
expect_audit "$json" 'sorted(d)' \
  "['audited_ranks', 'directories', 'dropped_ops', 'entries', 'failed_off_node_ops', 'filesystems', 'fixes', 'ranks', 'total_off_node_ops', 'version']"
expect_audit "$json" 'sorted(entry("'"$MNT"'/data.txt"))' "['by_op', 'failed', 'fs', 'mount', 'mount_type', 'ops', 'path']"
expect_audit "$json" 'd["ranks"], d["audited_ranks"], entry("'"$MNT"'/data.txt")["ops"], entry("'"$MNT"'/data.txt")["fs"]' \
  "(4, 4, 12, 'fuse')"
expect_audit "$json" 'd["total_off_node_ops"], [(f["fs"], f["ops"], f["ops_per_rank_max"]) for f in d["filesystems"]]' \
  "(12, [('fuse', 12, 3)])"
grep -qE "^ +12  $MNT/data.txt  \[fuse\]$" "$SCRATCH/out" || fail "$PYBCAST_MPI: screen: $(cat "$SCRATCH/out")"

# World rank 1 dies of SIGKILL after the others have finished Python.
# Seen twice in ~25 runs under load (never alone): the launcher's 60 s timeout
# ended it, the cause not found (mpirun not noticing the death, or a rank stuck
# on the slowfs mount). Then the processes' states are shown and the case runs
# once more; a second hang fails the test.
killed_rank_case() {
  (
    for _ in $(seq 20); do sleep 1; done  # a kill ends it within a second (bash waits out a foreground sleep)
    ps -eo pid,stat,wchan:24,etimes,args | grep -E "[p]ython-mpi|[s]lowfs|[m]pirun" >"$SCRATCH/ps-at-20s"
  ) &
  local watcher=$!
  run_mpi 4 "$PYTHON_MPI" --audit "$SCRATCH/job.py" "$MNT/data.txt" "$RANK_VAR"
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
}
killed_rank_case
hung() { [ "$STATUS" -eq 124 ] || awk -v t="$ELAPSED" 'BEGIN { exit !(t >= 55) }'; }
if hung; then
  echo "WARNING: $PYBCAST_MPI: the killed-rank job hung (status $STATUS, ${ELAPSED}s); processes 20 s in:" >&2
  cat "$SCRATCH/ps-at-20s" >&2 2>/dev/null || true
  killed_rank_case
fi
! hung || fail "$PYBCAST_MPI: the job hung in the audit reduction: $(cat "$SCRATCH/out")"
[ "$STATUS" -ne 0 ] || fail "$PYBCAST_MPI: a killed rank, yet exit 0: $(cat "$SCRATCH/out")"
awk -v t="$ELAPSED" 'BEGIN { exit !(t < 30) }' || fail "$PYBCAST_MPI: the job took ${ELAPSED}s to end"
echo "ok: $PYBCAST_MPI: the JSON's shape and counts; a killed rank ends the job in $(printf '%.1f' "$ELAPSED") s ($STATUS)"
