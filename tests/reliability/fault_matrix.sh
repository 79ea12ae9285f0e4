#!/bin/bash
# Fault matrix, 8 ranks on 4 virtual nodes. Every case must end every rank
# within 10 s with a clear message and a non-zero exit, leave no tmp-* (or,
# where a process was SIGKILLed, have the next run reclaim it), and leave the
# cache consistent: a later run succeeds. Prints one matrix row per case.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$BUNDLES/numpy.tar.gz" "$PKGROOT/good.tar.gz"
chmod 1777 "$SCRATCH"  # the nobody cases write their rank output here
ROWS=()

# This test's ranks only (other jobs may run pybcast on the machine).
my_ranks() { pgrep -f -- "^$PYBCAST stage --chroot $CHROOT " || true; }

tmp_dirs() { find "$CHROOT" -maxdepth 3 -name 'tmp-*' 2>/dev/null | wc -l; }

# Waits (up to 20 s) until some node is extracting, i.e. rank 0 is reading.
wait_for_extraction() {
  local i
  for i in $(seq 200); do
    [ "$(tmp_dirs)" -gt 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# Row: case, exit status, seconds, first message, leftovers right after.
row() {
  local msg
  msg=$(grep -m1 -oE '(pybcast: error: .*|mpirun noticed .*|.*exited on signal.*|.*EXIT STRING: .*)' "$SCRATCH/out" | cut -c1-150)
  ROWS+=("| $1 | $STATUS | $(printf '%.2f' "$ELAPSED") | ${msg:-?} | $(tmp_dirs) tmp-* |")
  awk -v t="$ELAPSED" 'BEGIN { exit !(t < 10) }' || fail "$1: ranks took ${ELAPSED}s to end"
  [ "$STATUS" -ne 0 ] || fail "$1: exit status 0"
}

# The cache is consistent afterwards: a normal run succeeds and nothing is left over.
later_run_succeeds() {
  stage 8 --virtual-nodes 4 good.tar.gz
  [ "$STATUS" -eq 0 ] || fail "$1: the next run failed: $(cat "$SCRATCH/out")"
  [ "$(tmp_dirs)" -eq 0 ] || fail "$1: tmp dirs left after the next run: $(find "$CHROOT" -name 'tmp-*')"
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
}

# Starts a slowed-down staging job in the background; sets $job.
start_slow_job() {
  export PYBCAST_TEST_READ_DELAY_MS=40
  launch_cmd 8
  timeout -k 10 60 "${LAUNCH[@]}" "$PYBCAST" stage --chroot "$CHROOT" \
    --pkgroot "$PKGROOT" --virtual-nodes 4 --chunk-size 256K good.tar.gz >"$SCRATCH/mpirun.out" 2>&1 &
  job=$!
  unset PYBCAST_TEST_READ_DELAY_MS
  wait_for_extraction || fail "extraction never started"
}

# Times how long the ranks take to end after the fault (mpirun itself may
# linger through its kill grace period), then reaps the job.
finish_job() {
  local i
  for i in $(seq 400); do
    [ -z "$(my_ranks)" ] && break
    sleep 0.05
  done
  ELAPSED=$(echo "$(date +%s.%N) - $signalled" | bc)
  [ -z "$(my_ranks)" ] || fail "$1: ranks still running after 20 s: $(my_ranks | xargs ps -o pid,stat,etime,cmd -p)"
  set +e
  wait $job
  STATUS=$?
  set -e
  collect_output
}

# --- missing bundle
stage 8 --virtual-nodes 4 good.tar.gz missing.tar.gz
expect_failure_everywhere 8 "cannot open 1 of 2 bundles: 'missing.tar.gz'"
row "bundle missing"
later_run_succeeds missing

# --- unreadable bundle (mode 000), as a non-root user
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
  nobody_binaries "$SCRATCH"
  cp "$PKGROOT/good.tar.gz" "$PKGROOT/secret.tar.gz" && chmod 000 "$PKGROOT/secret.tar.gz"
  chmod 1777 "$CHROOT"
  AS_USER="setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=$SCRATCH" \
    run_mpi 8 "$NOBODY_PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 4 secret.tar.gz
  expect_failure_everywhere 8 "'secret.tar.gz' ($PKGROOT/secret.tar.gz: Permission denied)"
  row "bundle unreadable (mode 000, user nobody)"
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  later_run_succeeds unreadable

  # --- CHROOT not writable (root-owned 0755, user nobody)
  mkdir -p "$CHROOT/ro" && chmod 0755 "$CHROOT/ro"
  AS_USER="setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=$SCRATCH" \
    run_mpi 8 "$NOBODY_PYBCAST" stage --chroot "$CHROOT/ro" --pkgroot "$PKGROOT" --virtual-nodes 4 good.tar.gz
  expect_failure_everywhere 8 "Permission denied"
  row "CHROOT not writable (user nobody)"
  later_run_succeeds chroot-ro
else
  ROWS+=("| bundle unreadable / CHROOT not writable | skipped: needs root and setpriv to switch to nobody | | | |")
fi

# --- bundle modified, then truncated, while rank 0 reads it (reads slowed by a test seam)
cp "$PKGROOT/good.tar.gz" "$PKGROOT/moving.tar.gz"
export PYBCAST_TEST_READ_DELAY_MS=40
(wait_for_extraction && touch -d '+1 minute' "$PKGROOT/moving.tar.gz") &
stage 8 --virtual-nodes 4 --chunk-size 256K moving.tar.gz
wait
expect_failure_everywhere 8 "bundle 'moving.tar.gz' changed while being read"
row "bundle modified while read"
later_run_succeeds modified

cp "$PKGROOT/good.tar.gz" "$PKGROOT/moving.tar.gz"
(wait_for_extraction && truncate -s 1M "$PKGROOT/moving.tar.gz") &
stage 8 --virtual-nodes 4 --chunk-size 256K moving.tar.gz
wait
expect_failure_everywhere 8 "bundle 'moving.tar.gz' was truncated while being read"
row "bundle truncated while read"
later_run_succeeds truncated
unset PYBCAST_TEST_READ_DELAY_MS

# --- CHROOT full mid-extraction: a 12 MiB tmpfs (numpy unpacks to ~37 MiB)
if mount -t tmpfs -o size=12m,mode=0755 pybcast-test "$CHROOT" 2>/dev/null; then
  stage 8 --virtual-nodes 4 good.tar.gz
  expect_failure_everywhere 8 "No space left on device"
  row "CHROOT full (12 MiB tmpfs)"
  used=$(df --output=used -k "$CHROOT" | tail -1)
  [ "$used" -lt 512 ] || fail "CHROOT full: $used KiB still used after the failure"
  echo 'print("small")' >"$SCRATCH/small.py" && tar -C "$SCRATCH" -czf "$PKGROOT/small.tar.gz" small.py
  stage 8 --virtual-nodes 4 small.tar.gz
  [ "$STATUS" -eq 0 ] || fail "CHROOT full: a bundle that fits failed afterwards: $(cat "$SCRATCH/out")"
  umount "$CHROOT"
else
  export PYBCAST_TEST_ENOSPC_AFTER=4000000
  stage 8 --virtual-nodes 4 good.tar.gz
  unset PYBCAST_TEST_ENOSPC_AFTER
  expect_failure_everywhere 8 "No space left on device"
  row "CHROOT full (injected ENOSPC: tmpfs mount not permitted)"
fi
later_run_succeeds full

# --- a rank SIGKILLed during the broadcast (rank 2: the leader of virtual node 1)
start_slow_job
victim=$(pid_of_rank 2 $(my_ranks))
[ -n "$victim" ] || fail "SIGKILL: rank 2 not found"
signalled=$(date +%s.%N)
kill -KILL "$victim"
finish_job SIGKILL
row "rank 2 SIGKILLed during broadcast"
later_run_succeeds sigkill   # also reclaims the killed leader's tmp dir

# --- SIGTERM to every rank during extraction, as a batch system delivers it
# (scancel: every task gets SIGTERM, SIGKILL only after a grace period; Slurm's
# KillWait defaults to 30 s). The launcher, which kills the other ranks once
# one has died, is given the same grace: Open MPI's mpirun waits
# odls_base_sigkill_timeout; Hydra would SIGKILL them at once, unless told
# not to clean up (docs/design.md, "MPI implementations").
case $PYBCAST_MPI in
  openmpi) export OMPI_MCA_odls_base_sigkill_timeout=10 ;;
  mpich) LAUNCH_EXTRA=(-disable-auto-cleanup) ;;
esac
start_slow_job
signalled=$(date +%s.%N)
kill -TERM $(my_ranks)
finish_job "SIGTERM to ranks"
unset OMPI_MCA_odls_base_sigkill_timeout
LAUNCH_EXTRA=()
# Hydra ends the job, output forwarding included, once the first process has
# died of the signal, even with -disable-auto-cleanup: under MPICH only the
# ranks that die first get their message into the output files, and the
# others are SIGKILLed (Debian's MPICH 4.0.2).
expected=8
[ "$PYBCAST_MPI" = openmpi ] || expected=1
[ "$(count_matches 'pybcast: error: interrupted by SIGTERM')" -ge $expected ] || fail "SIGTERM: not every rank reported it: $(cat "$SCRATCH/out")"
row "SIGTERM to every rank during extraction (grace period before SIGKILL)"
# Under Hydra the leaders may be SIGKILLed mid-clean-up (see above): their
# tmp dirs are then reclaimed by the next run, as after any SIGKILL.
[ "$PYBCAST_MPI" != openmpi ] || [ "$(tmp_dirs)" -eq 0 ] || fail "SIGTERM: tmp dirs left: $(find "$CHROOT" -name 'tmp-*')"
later_run_succeeds sigterm

# --- SIGTERM to the launcher only (Ctrl-C): Open MPI's mpirun SIGKILLs the
# ranks ~10-100 ms after its own SIGTERM; Hydra forwards the SIGTERM and
# SIGKILLs the others as soon as the first rank has died of it. Either way a
# leader may not finish removing its tmp dir (the row shows it); the next run
# on the node reclaims it, as after a SIGKILL.
start_slow_job
signalled=$(date +%s.%N)
pkill -TERM -P "$job"  # the launcher: the child of this job's `timeout`
finish_job "SIGTERM to the launcher"
row "SIGTERM to the launcher ($(basename "$MPIEXEC")) during extraction"
later_run_succeeds sigterm-mpirun

echo
echo "| case | exit | seconds | message | leftovers |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
