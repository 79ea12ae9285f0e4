# Shell functions for benchmarks that put a tree on bench/slowfs. Source this file, then:
#   trap slowfs_cleanup_all EXIT
#   slowfs_mount SRC MNT [--latency-ms=1 --no-serialise --read-mibps=N --stats-file=F ...]
#   slowfs_reset MNT; ...workload...; slowfs_stats MNT
#   slowfs_umount MNT
# SLOWFS names the binary (default: build/bin/slowfs of this checkout). Only mounts made
# through slowfs_mount in this shell are tracked and cleaned up, never anyone else's.

: "${SLOWFS:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin/slowfs}"
declare -gA _SLOWFS_PIDS=()  # mount point -> daemon pid
declare -gA _SLOWFS_LOGS=()  # mount point -> daemon's stderr

# Succeeds if slowfs can mount here; otherwise prints why not and fails.
slowfs_check() {
  if [ ! -x "$SLOWFS" ]; then
    echo "no slowfs binary at $SLOWFS (build target slowfs; needs Debian libfuse3-dev)"
  elif [ ! -c /dev/fuse ]; then
    echo "/dev/fuse is missing (a container without --device /dev/fuse?)"
  elif ! command -v fusermount3 >/dev/null; then
    echo "fusermount3 is missing (Debian package fuse3)"
  elif ! { : <>/dev/fuse; } 2>/dev/null; then
    echo "/dev/fuse cannot be opened by $(id -un)"
  else
    return 0
  fi
  return 1
}

_slowfs_is_mounted() { findmnt -rn -M "$1" >/dev/null 2>&1; }

_slowfs_alive() {  # a running process, not a zombie waiting to be reaped
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$state" ] && [ "$state" != Z ]
}

# slowfs_mount SRC MNT [slowfs options]: mounts and waits until the mount is there.
slowfs_mount() {
  local src=$1 mnt=$2
  shift 2 || { echo "usage: slowfs_mount SRC MNT [options]" >&2; return 2; }
  mkdir -p "$mnt" && mnt=$(realpath "$mnt") || return 1
  if _slowfs_is_mounted "$mnt"; then
    echo "slowfs_mount: $mnt is already a mount point" >&2
    return 1
  fi
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/slowfs-log.XXXXXX") || return 1
  # Foreground (-f) so that we know the pid and can wait for the stats file at unmount;
  # started from a subshell so that it is not our child and a bare `wait` returns.
  local pid
  pid=$("$SLOWFS" -f "$@" "$src" "$mnt" </dev/null >"$log" 2>&1 & echo $!)
  local i
  for ((i = 0; i < 200; i++)); do
    if _slowfs_is_mounted "$mnt"; then
      _SLOWFS_PIDS[$mnt]=$pid
      _SLOWFS_LOGS[$mnt]=$log
      return 0
    fi
    _slowfs_alive "$pid" || break
    sleep 0.05
  done
  echo "slowfs_mount: $src on $mnt failed: $(cat "$log")" >&2
  kill "$pid" 2>/dev/null
  rm -f "$log"
  return 1
}

# slowfs_stats MNT: prints the counters (JSON) of the mount.
slowfs_stats() { cat "$1/.slowfs-stats"; }

# slowfs_counter MNT KEY: one counter, e.g. metadata_ops (the JSON has one key per line).
slowfs_counter() {
  local value
  value=$(sed -n "s/^ *\"$2\": \([0-9]*\),\{0,1\}\$/\1/p" "$1/.slowfs-stats") && [ -n "$value" ] &&
    echo "$value"
}

# slowfs_reset MNT: zeroes the counters.
slowfs_reset() { echo reset >"$1/.slowfs-stats"; }

# slowfs_umount MNT: unmounts (retrying while busy, lazily as a last resort) and waits
# for the daemon to exit, so that its --stats-file is complete on return.
slowfs_umount() {
  local mnt=$1
  [ -n "${_SLOWFS_PIDS[$mnt]:-}" ] || mnt=$(realpath -m "$1" 2>/dev/null || echo "$1")
  local pid=${_SLOWFS_PIDS[$mnt]:-} log=${_SLOWFS_LOGS[$mnt]:-} tries=0
  while _slowfs_is_mounted "$mnt" && ! fusermount3 -u "$mnt" 2>/dev/null && ((++tries < 10)); do
    sleep 0.2
  done
  local patience=200  # x 0.05 s for the daemon to exit; a loaded machine can take seconds
  if _slowfs_is_mounted "$mnt"; then
    echo "slowfs_umount: $mnt is busy; detaching it lazily" >&2
    fusermount3 -u -z "$mnt" || umount -l "$mnt" || return 1
    patience=20  # it serves the open files until they are closed
  fi
  unset "_SLOWFS_PIDS[$mnt]" "_SLOWFS_LOGS[$mnt]"
  tries=0
  while [ -n "$pid" ] && _slowfs_alive "$pid" && ((++tries < patience)); do sleep 0.05; done
  if [ -n "$pid" ] && _slowfs_alive "$pid"; then
    echo "slowfs_umount: daemon $pid still serves files open under the detached $mnt;" \
      "it exits when they are closed" >&2
  elif [ -s "$log" ]; then
    cat "$log" >&2
  fi
  [ -z "$log" ] || rm -f "$log"
  ! _slowfs_is_mounted "$mnt"
}

# slowfs_cleanup_all: unmounts every mount this shell made. Safe in an EXIT trap:
# never fails and keeps the exit status it was called with.
slowfs_cleanup_all() {
  local status=$? mnt
  for mnt in "${!_SLOWFS_PIDS[@]}"; do
    slowfs_umount "$mnt" || echo "slowfs_cleanup_all: could not unmount $mnt" >&2
  done
  return "$status"
}
