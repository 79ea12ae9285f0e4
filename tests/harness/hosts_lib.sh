# Glue for the pretend-host tests: tests/lib/mpi.sh (scratch directory, per-rank
# output collection, fail, skip, assertions) plus the pretend-host harness.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mpi.sh"
. "$(dirname "${BASH_SOURCE[0]}")/pretend_hosts.sh"
PBH_TIMEOUT=60

# hosts_up ARGS..., where "this machine cannot do it" becomes a CTest skip.
up_or_skip() {
  local rc=0
  hosts_up "$@" || rc=$?
  [ $rc -ne 77 ] || skip "$PBH_SKIP_REASON"
  [ $rc -eq 0 ] || fail "hosts_up $* failed"
}

# Like run_mpi (tests/lib/mpi.sh), across the pretend hosts: mpirun_hosts ARGS...;
# output in $SCRATCH/out, status in $STATUS, seconds in $ELAPSED.
run_hosts() {
  local start
  start=$(date +%s.%N)
  set +e
  mpirun_hosts --output-filename "$RANK_OUTPUT:nocopy" "$@" >"$SCRATCH/mpirun.out" 2>&1
  STATUS=$?
  set -e
  ELAPSED=$(echo "$(date +%s.%N) - $start" | bc)
  collect_output
  [ "$STATUS" -ne 124 ] && [ "$STATUS" -ne 137 ] || fail "mpirun timed out after ${PBH_TIMEOUT}s: $(cat "$SCRATCH/out")"
}

# HOST's one cache entry, seen from outside (its private /dev/shm is a directory here).
host_entry() {
  local entries=("$(hosts_shm "$1")"/pybcast-"$(id -u)"/cache/*)
  [ ${#entries[@]} -eq 1 ] && [ -d "${entries[0]}" ] || fail "$1: expected one cache entry, got ${entries[*]}"
  echo "${entries[0]}"
}

# The key of the one cache entry every host holds; fails unless all hosts hold the same one.
common_key() {
  local h key="" k
  for h in "${PBH_HOSTS[@]}"; do
    k=$(host_entry "$h")
    k=${k##*/}
    [ -z "$key" ] || [ "$k" = "$key" ] || fail "$h has key $k, ${PBH_HOSTS[0]} has $key"
    key=$k
  done
  echo "$key"
}

# pybcast stage --report BUNDLES... (from $PKGROOT) on the hosts, each into its own /dev/shm.
stage_hosts() {
  run_hosts "$PYBCAST" stage --chroot /dev/shm --pkgroot "$PKGROOT" --report "$@"
  [ "$STATUS" -eq 0 ] || fail "stage failed ($STATUS): $(cat "$SCRATCH/out")"
}

# Fails unless the last run's output contains the fixed string $1.
expect_out() {
  grep -qF -- "$1" "$SCRATCH/out" || fail "${2:-expected '$1'}: $(cat "$SCRATCH/out")"
}

# tree_listing (tests/lib/mpi.sh) without directory sizes, which differ between
# file systems (the hosts' tmpfs and a reference tree in $SCRATCH).
tree_listing_any_fs() {
  (cd "$1" && find . -mindepth 1 -path ./.pybcast -prune -o -mindepth 1 \
    \( -type d -printf '%P %y %m - %l %T@\n' \) -o -printf '%P %y %m %s %l %T@\n' | sort)
}

# No extraction directory, no virtual-node root on any host.
expect_no_leftovers_on_hosts() {
  local h left
  for h in "${PBH_HOSTS[@]}"; do
    left=$(find "$(hosts_shm "$h")" -maxdepth 2 \( -name 'tmp-*' -o -name 'vnode-*' \) | head -3)
    [ -z "$left" ] || fail "$h: unexpected $left"
  done
}

# Tears the hosts down and proves nothing is left (processes, namespaces, links, mounts, files).
finish_hosts() {
  hosts_down
  hosts_check_clean || fail "teardown left things behind"
}
