#!/bin/bash
# /proc/PID/maps of running ranks: without --audit no pybcast library is mapped
# and LD_PRELOAD/LD_AUDIT are not set; with --audit the library is mapped in
# every rank (so the first check is not blind), and Python's environment and a
# child process carry neither the library nor the variables.
. "$(dirname "$0")/lib.sh"
cat >"$SCRATCH/job.py" <<'PY'
import os, subprocess, sys, time
ready, go = sys.argv[1], sys.argv[2]
leaked = sorted(k for k in os.environ if k in ("LD_PRELOAD", "LD_AUDIT") or k.startswith("PYBCAST_AUDIT"))
child = subprocess.run(["/bin/cat", "/proc/self/maps"], capture_output=True, text=True).stdout
print(f"rank env {leaked} child-mapped {'libpybcast_audit' in child}", flush=True)
open(os.path.join(ready, f"ready.{os.getpid()}"), "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
PY
# maps_case NAME [python-mpi args]: 2 ranks; prints how many ranks map the library.
maps_case() {
  local name=$1 ready=$SCRATCH/ready-$1 go=$SCRATCH/go-$1 i p mapped=0
  shift
  mkdir -p "$ready"
  launch_cmd 2
  timeout -k 10 60 "${LAUNCH[@]}" "$PYTHON_MPI" "$@" "$SCRATCH/job.py" "$ready" "$go" >"$SCRATCH/mpirun.out" 2>&1 &
  local job=$!
  for i in $(seq 300); do
    [ "$(ls "$ready" | wc -l)" -eq 2 ] && break
    sleep 0.1
  done
  [ "$(ls "$ready" | wc -l)" -eq 2 ] || { touch "$go"; wait $job || true; fail "$name: the ranks never got ready"; }
  for p in $(ls "$ready" | cut -d. -f2); do
    grep -q libpybcast_audit "/proc/$p/maps" && mapped=$((mapped + 1))
  done
  touch "$go"
  set +e
  wait $job
  STATUS=$?
  set -e
  collect_output
  [ "$STATUS" -eq 0 ] || fail "$name: job failed ($STATUS): $(cat "$SCRATCH/out")"
  MAPPED=$mapped
}
maps_case plain
[ "$MAPPED" -eq 0 ] || fail "without --audit, $MAPPED ranks map libpybcast_audit"
[ "$(count_matches "rank env \[\] child-mapped False")" -eq 2 ] || fail "plain: $(cat "$SCRATCH/out")"
maps_case audit --audit
[ "$MAPPED" -eq 2 ] || fail "with --audit, only $MAPPED of 2 ranks map libpybcast_audit"
[ "$(count_matches "rank env \[\] child-mapped False")" -eq 2 ] ||
  fail "--audit leaked into Python's environment or its child: $(cat "$SCRATCH/out")"
grep -q "^python-mpi: audit: 2 of 2 ranks audited" "$SCRATCH/out" || fail "no audit screen: $(cat "$SCRATCH/out")"
# A missing library is an error before MPI starts (each rank says it), not a silent plain run.
set +e
PYBCAST_AUDIT_LIBRARY=$SCRATCH/missing.so "$PYTHON_MPI" --audit -c 'print("ran")' >"$SCRATCH/missing.out" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] || fail "missing library: exit $status: $(cat "$SCRATCH/missing.out")"
grep -q "^python-mpi: error: --audit: the preload library $SCRATCH/missing.so" "$SCRATCH/missing.out" ||
  fail "missing library: $(cat "$SCRATCH/missing.out")"
! grep -q ran "$SCRATCH/missing.out" || fail "missing library: Python ran anyway"
echo "ok: nothing preloaded without --audit (/proc/PID/maps); with it, every rank maps it and children do not"
