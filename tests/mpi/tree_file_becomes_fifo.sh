#!/bin/bash
# A directory bundle one of whose files is replaced by a FIFO after rank 0's
# walk (issue 24): rank 0 opens every file without blocking and checks its
# type, so
#   1. every rank fails within seconds, naming the file ("now a FIFO"), and
#      nothing is published;
#   2. SIGTERM to rank 0 in that state ends the job (it used to sit in
#      open(2) forever, retrying it after each signal).
# 4 ranks on 2 virtual nodes; rank 0 reads slowly (test seam) so the file can
# be replaced once the stream has begun.
. "$(dirname "$0")/../lib/mpi.sh"
T=$SCRATCH/tree
mkdir -p "$T"
for i in $(seq -w 1 20); do head -c 65536 /dev/urandom >"$T/f$i"; done

my_ranks() { pgrep -f -- "^$PYBCAST stage --chroot $CHROOT " || true; }
holds_tree_file() {  # PID: true if it has a file of the tree open
  [ -n "$(find "/proc/$1/fd" -lname "$T/*" -print -quit 2>/dev/null)" ]
}

# Starts the staging of $T in the background (job: $job); returns once rank
# 0 (pid: $RANK0) holds a file of the tree open, i.e. its walk is over.
start_tree_job() {
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  launch_cmd 4
  PYBCAST_TEST_READ_DELAY_MS=150 timeout -k 5 30 "${LAUNCH[@]}" "$PYBCAST" stage --chroot "$CHROOT" \
    --virtual-nodes 2 --chunk-size 64K "$T" >"$SCRATCH/mpirun.out" 2>&1 &
  job=$!
  local i p
  for i in $(seq 300); do
    for p in $(my_ranks); do
      if holds_tree_file "$p"; then
        RANK0=$p
        return 0
      fi
    done
    sleep 0.05
  done
  fail "rank 0 never started reading $T: $(cat "$SCRATCH/mpirun.out")"
}
# Waits for the job; STATUS, ELAPSED (seconds since $1), the output in $SCRATCH/out.
finish_tree_job() {
  set +e
  wait "$job"
  STATUS=$?
  set -e
  ELAPSED=$(echo "$(date +%s.%N) - $1" | bc)
  collect_output
  [ "$STATUS" -ne 124 ] && [ "$STATUS" -ne 137 ] || fail "$2: the job hung until the timeout: $(cat "$SCRATCH/out")"
  [ "$STATUS" -ne 0 ] || fail "$2: the job succeeded: $(cat "$SCRATCH/out")"
  awk -v t="$ELAPSED" 'BEGIN { exit !(t < 10) }' || fail "$2: the job took ${ELAPSED}s to end"
}
make_fifo() {
  rm -f "$T/f20"
  mkfifo "$T/f20"
}
restore_file() {
  rm -f "$T/f20"
  head -c 65536 /dev/urandom >"$T/f20"
}

# --- 1. the last file becomes a FIFO once the stream has begun
start_tree_job
make_fifo
replaced=$(date +%s.%N)
finish_tree_job "$replaced" "FIFO"
expect_failure_everywhere 4 "$T/f20 changed while being staged (now a FIFO"
expect_clean_cache
echo "ok: a file that became a FIFO fails all 4 ranks in $(printf '%.1f' "$ELAPSED") s, naming it; nothing published"

# --- 2. SIGTERM to rank 0 once it has reached the FIFO (old binaries: blocked in open)
restore_file
start_tree_job
make_fifo
for i in $(seq 100); do  # rank 0 reaches f20 after ~20 chunks of 150 ms
  grep -qE '^(wait_for_partner|fifo_open)' "/proc/$RANK0/wchan" 2>/dev/null && break
  kill -0 "$RANK0" 2>/dev/null || break
  sleep 0.05
done
signalled=$(date +%s.%N)
kill -TERM "$RANK0" 2>/dev/null || true  # gone already: it refused the FIFO by itself
finish_tree_job "$signalled" "SIGTERM"
bad=$(grep '^pybcast: error: ' "$SCRATCH/out" | grep -vE 'interrupted by SIGTERM|f20 changed while being staged' || true)
[ -z "$bad" ] || fail "SIGTERM: unexpected messages: $bad"
grep -q '^pybcast: error: ' "$SCRATCH/out" || fail "SIGTERM: no rank said why it ended: $(cat "$SCRATCH/out")"
[ "$(find "$CHROOT" -mindepth 4 -maxdepth 4 -path '*/cache/*' | wc -l)" -eq 0 ] || fail "SIGTERM: an entry was published"
echo "ok: SIGTERM to rank 0 at the FIFO ends the job in $(printf '%.1f' "$ELAPSED") s"
