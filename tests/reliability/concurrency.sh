#!/bin/bash
# Concurrent jobs on one CHROOT (8 ranks / 4 virtual nodes each): exactly one
# extraction per node, the other job waits for it and reuses it; a job that
# merely *uses* an entry never makes another wait; a killed job's lock does not
# block the next one; gc never removes an entry in use; --cleanup removes it.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$BUNDLES/numpy.tar.gz" "$PKGROOT/"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export OPENBLAS_NUM_THREADS=1

tmp_dirs() { find "$CHROOT" -maxdepth 3 -name 'tmp-*' 2>/dev/null | wc -l; }
wait_for_extraction() {
  local i
  for i in $(seq 300); do [ "$(tmp_dirs)" -gt 0 ] && return 0; sleep 0.05; done
  return 1
}
# Background job: the launcher in its own session (so it can be killed as a whole), output in $1.
start_job() {
  local out=$1
  shift
  setsid timeout -k 10 90 "$MPIEXEC" -n 8 "$@" >"$out" 2>&1 &
}
entries() { find "$CHROOT" -mindepth 4 -maxdepth 4 -path '*/cache/*' 2>/dev/null; }
node_states() { grep -oE '\b[0-3]:(hit|extracted)\b' "$1" | sort; }

# --- two jobs stage the same bundles at the same time
PYBCAST_TEST_READ_DELAY_MS=30 start_job "$SCRATCH/a.out" "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" \
  --virtual-nodes 4 --chunk-size 256K --report numpy.tar.gz
a=$!
wait_for_extraction || fail "job A never started extracting"
start_job "$SCRATCH/b.out" "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 4 --report numpy.tar.gz
b=$!
wait $a || fail "job A failed: $(cat "$SCRATCH/a.out")"
wait $b || fail "job B failed: $(cat "$SCRATCH/b.out")"
for g in 0 1 2 3; do
  n=$(cat <(node_states "$SCRATCH/a.out") <(node_states "$SCRATCH/b.out") | grep -c "^$g:extracted")
  [ "$n" -eq 1 ] || fail "node $g extracted $n times: A: $(node_states "$SCRATCH/a.out" | xargs) B: $(node_states "$SCRATCH/b.out" | xargs)"
done
grep -q "cache 4 hit / 0 extracted" "$SCRATCH/b.out" || fail "job B should reuse A's extraction: $(cat "$SCRATCH/b.out")"
[ "$(tmp_dirs)" -eq 0 ] || fail "tmp dirs left"
echo "ok: two concurrent jobs, one extraction per node (A: $(node_states "$SCRATCH/a.out" | xargs); B: $(node_states "$SCRATCH/b.out" | xargs))"

# --- a job using an entry (python-mpi holds it shared) does not make a stager wait
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=4
export PYTHON_MPI_PACKAGES=$PY_STACK_PACKAGES
start_job "$SCRATCH/user.out" "$PYTHON_MPI" -c 'import time, sys; print("USING", sys.prefix, flush=True); time.sleep(8)'
user=$!
for i in $(seq 200); do grep -q USING "$SCRATCH/user.out" 2>/dev/null && break; sleep 0.1; done
grep -q USING "$SCRATCH/user.out" || fail "python-mpi job did not start: $(cat "$SCRATCH/user.out")"
begin=$(date +%s.%N)
stage 8 --virtual-nodes 4 --report "${PY_STACK[@]}"
took=$(echo "$(date +%s.%N) - $begin" | bc)
[ "$STATUS" -eq 0 ] && grep -q "cache 4 hit / 0 extracted" "$SCRATCH/out" || fail "stage next to a running job: $(cat "$SCRATCH/out")"
awk -v t="$took" 'BEGIN { exit !(t < 6) }' || fail "stage waited ${took}s for a job that only uses the entry"
echo "ok: staging next to a running job hits at once (${took}s)"

# --- gc while that job runs: its entry is in use and kept
"$PYBCAST" gc --all --chroot "$CHROOT" >"$SCRATCH/gc.out" 2>&1 || fail "gc failed: $(cat "$SCRATCH/gc.out")"
[ "$(grep -c 'in use, kept' "$SCRATCH/gc.out")" -eq 4 ] || fail "gc should keep the 4 entries in use: $(cat "$SCRATCH/gc.out")"
[ "$(grep -c ' removed$' "$SCRATCH/gc.out")" -eq 4 ] || fail "gc should remove the 4 idle numpy entries: $(cat "$SCRATCH/gc.out")"
[ "$(entries | wc -l)" -eq 4 ] || fail "the entries in use vanished: $(entries)"
wait $user || fail "python-mpi job failed: $(cat "$SCRATCH/user.out")"
"$PYBCAST" gc --all --chroot "$CHROOT" >"$SCRATCH/gc.out" 2>&1
grep -q "^removed 4 entries" "$SCRATCH/gc.out" || fail "gc after the job: $(cat "$SCRATCH/gc.out")"
[ -z "$(entries)" ] || fail "gc left entries: $(cat "$SCRATCH/gc.out"; entries)"
echo "ok: gc keeps entries in use, removes them afterwards"

# --- a killed job's lock and tmp dir do not block the next job
PYBCAST_TEST_READ_DELAY_MS=30 start_job "$SCRATCH/killed.out" "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" \
  --virtual-nodes 4 --chunk-size 256K numpy.tar.gz
killed=$!
wait_for_extraction || fail "the job to kill never started extracting"
# Every rank dies at once, like a crashed node: the launcher's session, and the ranks by
# name (the launcher may start them in process groups of their own; orphaned ranks would
# go on extracting and publish while the test looks, as seen under load).
kill -KILL -- -"$killed"
pkill -KILL -f -- "^$PYBCAST stage --chroot $CHROOT " || true
wait $killed || true
for i in $(seq 100); do pgrep -f -- "^$PYBCAST stage --chroot $CHROOT " >/dev/null || break; sleep 0.1; done
[ "$(tmp_dirs)" -gt 0 ] || fail "expected the killed job to leave tmp dirs"
begin=$(date +%s.%N)
stage 8 --virtual-nodes 4 --report --lock-timeout 30 numpy.tar.gz
took=$(echo "$(date +%s.%N) - $begin" | bc)
# Nodes the killed job was still extracting on extract again; a node that had
# already published before the kill (possible on a loaded machine) is a
# verified, complete entry and a hit.
[ "$STATUS" -eq 0 ] && grep -qE "cache [0-3] hit / [1-4] extracted" "$SCRATCH/out" || fail "after a killed job: $(cat "$SCRATCH/out")"
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "the next job waited ${took}s on a dead job's lock"
[ "$(tmp_dirs)" -eq 0 ] || fail "the killed job's tmp dirs were not reclaimed"
echo "ok: a SIGKILLed job's locks were released and its tmp dirs reclaimed (${took}s)"

# --- --cleanup (PYBCAST_CLEANUP=1) removes the entry on every node at the end of the job
rm -rf "$CHROOT"/pybcast-*/vnode-*
PYBCAST_CLEANUP=1 run_mpi 8 "$PYTHON_MPI" -c 'import numpy'
[ "$STATUS" -eq 0 ] || fail "PYBCAST_CLEANUP=1 job failed: $(cat "$SCRATCH/out")"
[ -z "$(entries)" ] || fail "PYBCAST_CLEANUP=1 left entries: $(entries)"
run_mpi 8 "$PYTHON_MPI" --cleanup -c pass
[ "$STATUS" -eq 0 ] || fail "python-mpi --cleanup -c pass failed: $(cat "$SCRATCH/out")"
[ -z "$(entries)" ] || fail "python-mpi --cleanup left entries: $(entries)"
echo "ok: PYBCAST_CLEANUP=1 and python-mpi --cleanup removed the entry on all 4 nodes"
