#!/bin/bash
# Unmounting leaves nothing behind: not when idle, not when busy (lazy detach as the
# last resort), and not when a script exits through its trap.
. "$(dirname "$0")/lib.sh"
src=$SCRATCH/src mnt=$SCRATCH/mnt
make_tree "$src"

not_mounted() {
  ! findmnt -rn -M "$1" >/dev/null || fail "$2: $1 is still mounted"
  ! grep -qF " $1 " /proc/mounts || fail "$2: $1 is still in /proc/mounts"
}
daemon_of() { echo "${_SLOWFS_PIDS[$(realpath "$1")]}"; }
wait_exit() {  # wait_exit PID WHAT
  local i
  for ((i = 0; i < 100; i++)); do _slowfs_alive "$1" || return 0; sleep 0.05; done
  fail "$2: daemon $1 did not exit"
}

slowfs_mount "$src" "$mnt" --latency-ms=0
[ "$(findmnt -rn -o FSTYPE -M "$SCRATCH/mnt")" = fuse.slowfs ] || fail "not a fuse.slowfs mount"
pid=$(daemon_of "$mnt")
slowfs_mount "$src" "$mnt" 2>/dev/null && fail "mounted twice on $mnt"
slowfs_umount "$mnt"
not_mounted "$SCRATCH/mnt" "idle unmount"
wait_exit "$pid" "idle unmount"

# A process keeps a file open: fusermount3 -u fails, the lazy detach must still work.
slowfs_mount "$src" "$mnt" --latency-ms=0
pid=$(daemon_of "$mnt")
sleep 60 <"$mnt/hello.txt" &
holder=$!
slowfs_umount "$mnt" 2>"$SCRATCH/umount.err" || fail "busy unmount failed: $(cat "$SCRATCH/umount.err")"
grep -q lazily "$SCRATCH/umount.err" || fail "expected a lazy detach: $(cat "$SCRATCH/umount.err")"
not_mounted "$SCRATCH/mnt" "busy unmount"
kill $holder
wait $holder 2>/dev/null || true
wait_exit "$pid" "after the last open file closed"

# A benchmark script that fails while mounted: its EXIT trap unmounts, its status stays.
cat >"$SCRATCH/bench.sh" <<SCRIPT
set -euo pipefail
. "$REPO/bench/lib/slowfs.sh"
trap slowfs_cleanup_all EXIT
slowfs_mount "$src" "$SCRATCH/m1" --latency-ms=0
slowfs_mount "$src" "$SCRATCH/m2" --latency-ms=0
cat "$SCRATCH/m1/hello.txt" "$SCRATCH/m2/hello.txt" >/dev/null
exit 3
SCRIPT
status=0
SLOWFS=$SLOWFS bash "$SCRATCH/bench.sh" || status=$?
[ $status -eq 3 ] || fail "the trap changed the exit status to $status"
not_mounted "$SCRATCH/m1" "trap"
not_mounted "$SCRATCH/m2" "trap"
echo "ok: no mount left behind (idle, busy, trap)"
