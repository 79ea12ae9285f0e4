#!/bin/bash
# Once Python runs, signals are Python's, exactly as under plain python3:
# python-mpi's staging handlers (which only record a signal) are removed
# before Py_BytesMain. A rank sleeping in time.sleep(30) gets
#   SIGINT:  KeyboardInterrupt, its `finally` runs, the job ends (non-zero);
#   SIGTERM: it dies of SIGTERM (Python's default), the job ends;
#   SIGTERM with the script's own handler (checkpoint-on-signal): the handler
#            runs, `finally` runs, the job ends with its status.
# Each within a few seconds, never "survived"; and signal.getsignal(SIGINT)
# is what plain python3 under the same launcher reports.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2
export PYTHON_MPI_PACKAGES=$PY_STACK_PACKAGES
cat >"$SCRATCH/sleeper.py" <<'PY'
import os, signal, sys, time
mode, ready = sys.argv[1], sys.argv[2]
print(f"SIGINT handler: {signal.getsignal(signal.SIGINT)}", flush=True)
if mode == "handler":
    def checkpoint(signo, frame):
        print("handler ran", flush=True)
        sys.exit(143)
    signal.signal(signal.SIGTERM, checkpoint)
open(os.path.join(ready, f"ready.{os.getpid()}"), "w").close()
try:
    time.sleep(30)
    print("survived", flush=True)
finally:
    print("finally ran", flush=True)
PY
plain=$("$MPIEXEC" -n 1 /usr/bin/python3 -c 'import signal; print(f"SIGINT handler: {signal.getsignal(signal.SIGINT)}")' 2>&1 | tail -1)

# signal_case NAME SIGNAL MODE: 2 ranks; SIGNAL to one of them once both sleep.
signal_case() {
  local name=$1 signo=$2 mode=$3 ready=$SCRATCH/ready-$1 i victim begin
  mkdir -p "$ready"
  launch_cmd 2
  begin=$(date +%s.%N)
  timeout -k 10 60 "${LAUNCH[@]}" "$PYTHON_MPI" "$SCRATCH/sleeper.py" "$mode" "$ready" >"$SCRATCH/mpirun.out" 2>&1 &
  local job=$!
  for i in $(seq 300); do
    [ "$(ls "$ready" | wc -l)" -eq 2 ] && break
    sleep 0.1
  done
  [ "$(ls "$ready" | wc -l)" -eq 2 ] || fail "$name: the ranks never reached time.sleep"
  victim=$(ls "$ready" | head -1 | cut -d. -f2)
  kill -"$signo" "$victim"
  set +e
  wait $job
  STATUS=$?
  set -e
  ELAPSED=$(echo "$(date +%s.%N) - $begin" | bc)
  collect_output
  [ "$STATUS" -ne 124 ] || fail "$name: the job hung until the timeout"
  [ "$STATUS" -ne 0 ] || fail "$name: the job exited 0: $(cat "$SCRATCH/out")"
  grep -q survived "$SCRATCH/out" && fail "$name: a rank survived the signal: $(cat "$SCRATCH/out")"
  [ "$(grep -cF -- "$plain" "$SCRATCH/out")" -eq 2 ] ||
    fail "$name: SIGINT's handler differs from plain python3's ($plain): $(grep 'SIGINT handler' "$SCRATCH/out")"
  awk -v t="$ELAPSED" 'BEGIN { exit !(t < 20) }' || fail "$name: the job took ${ELAPSED}s to end"
  echo "ok: $name: the job ended in $(printf '%.1f' "$ELAPSED") s with status $STATUS"
}
signal_case sigint INT plain
grep -q KeyboardInterrupt "$SCRATCH/out" || fail "sigint: no KeyboardInterrupt: $(cat "$SCRATCH/out")"
grep -q "finally ran" "$SCRATCH/out" || fail "sigint: the finally block did not run: $(cat "$SCRATCH/out")"
signal_case sigterm TERM plain
signal_case sigterm-handler TERM handler
grep -q "handler ran" "$SCRATCH/out" || fail "sigterm-handler: the script's handler did not run: $(cat "$SCRATCH/out")"
grep -q "finally ran" "$SCRATCH/out" || fail "sigterm-handler: the finally block did not run: $(cat "$SCRATCH/out")"
echo "ok: SIGINT and SIGTERM reach Python's own handling under python-mpi"
