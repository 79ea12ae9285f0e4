#!/bin/bash
# Issue 18, C2 and C18: node-local roots that another user (nobody, through
# setpriv) can reach. The prefix python-mpi and `stage --print-env` hand out
# is used by path later (PYTHONHOME, dlopen, a second job step), so no other
# user may be able to rename any directory on it and put a tree of theirs in
# its place:
#   1. a CHROOT under a writable, non-sticky directory is refused;
#   2. with virtual nodes in a 1777 CHROOT where the attacker pre-created
#      vnode-0, their rename-and-replace has no effect on step 2;
#   3. a pybcast-<uid> pre-created by the attacker: the message says who owns
#      it and that we cannot remove it; their vnode-*/pybcast-<uid> does not
#      make our gc fail.
. "$(dirname "$0")/../lib/mpi.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
BUNDLES_ARGS=(python-3.11.tar.gz numpy.tar.gz mpi4py.tar.gz)
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# A place the attacker can reach, like /dev/shm: 1777, owned by root.
SHM=$(mktemp -d /dev/shm/pybcast-roots-XXXXXX)
trap 'rm -rf "$SHM"; scratch_cleanup' EXIT
chmod 1777 "$SHM"

# The attack: as nobody, rename the first directory on the way from the CHROOT
# to the prefix that can be renamed, and put a python3 of theirs where the
# prefix was. Prints what was replaced, or nothing.
hijack() {
  local chroot=$1 prefix=$2 dir
  dir=$prefix
  while :; do
    if as_nobody mv "$dir" "$dir.hijacked" 2>/dev/null; then
      as_nobody mkdir -p "$prefix/bin"
      printf '#!/bin/sh\necho PWNED\n' | as_nobody tee "$prefix/bin/python3" >/dev/null
      as_nobody chmod 755 "$prefix/bin/python3"
      echo "$dir"
      return
    fi
    [ "$dir" != "$chroot" ] || return 0
    dir=$(dirname "$dir")
  done
}

# Step 1 (stage --print-env), the attack, then step 2 runs the staged python3.
two_steps_with_attack() {
  local chroot=$1 replaced
  shift
  run_mpi 2 "$PYBCAST" stage --print-env --chroot "$chroot" --pkgroot "$PKGROOT" "$@" "${BUNDLES_ARGS[@]}"
  [ "$STATUS" -eq 0 ] || fail "stage into $chroot: $(cat "$SCRATCH/out")"
  eval "$(grep '^export PYBCAST_PREFIX=' "$SCRATCH/out")"
  replaced=$(hijack "$chroot" "$PYBCAST_PREFIX")
  [ -z "$replaced" ] || echo "attacker renamed $replaced" >&2
  STEP2=$("$PYBCAST_PREFIX/bin/python3" -c 'print("REAL")' 2>&1 || true)
}

# 1. CHROOT below a world-writable, non-sticky directory (as in "use
# /dev/shm/local"): refused on every rank, naming it; nothing staged there.
mkdir -m 0777 "$SHM/local"
run_mpi 2 "$PYBCAST" stage --chroot "$SHM/local/chroot" --pkgroot "$PKGROOT" "${BUNDLES_ARGS[@]}"
expect_failure_everywhere 2 "$SHM/local has mode 0777: writable by others and not sticky"
[ ! -e "$SHM/local/chroot/pybcast-0" ] || fail "a user root was made below the unsafe directory"
chmod 1777 "$SHM/local"   # sticky, like /dev/shm: accepted, and the attack cannot rename
two_steps_with_attack "$SHM/local/chroot"
[ "$STEP2" = REAL ] || fail "a sticky CHROOT ancestor: step 2 ran '$STEP2'"
echo "ok: a CHROOT below a writable non-sticky directory is refused on every rank; made sticky, it is used"

# 2. Virtual nodes in a 1777 CHROOT where nobody pre-created vnode-0: before,
# our user root went inside their directory and they could swap it.
VROOT="$SHM/vroot"
mkdir -m 1777 "$VROOT"
as_nobody mkdir -m 0777 "$VROOT/vnode-0" "$VROOT/vnode-1"
two_steps_with_attack "$VROOT" --virtual-nodes 2
[ "$STEP2" = REAL ] || fail "the attacker's tree ran in step 2: '$STEP2'"
[[ $PYBCAST_PREFIX == "$VROOT"/pybcast-0/vnode-0/cache/* ]] || fail "virtual node 0 staged at $PYBCAST_PREFIX"
[ -z "$(ls -A "$VROOT/vnode-0")" ] || fail "something of ours went into the attacker's vnode-0: $(ls -A "$VROOT/vnode-0")"
echo "ok: virtual nodes live inside the private root; the rename-and-replace had no effect"

# 3a. The attacker's vnode-5/pybcast-0 does not disturb our gc.
as_nobody mkdir -m 0700 "$VROOT/vnode-1/pybcast-0"
"$PYBCAST" gc --all --chroot "$VROOT" >"$SCRATCH/gc" 2>&1 || fail "gc failed: $(cat "$SCRATCH/gc")"
grep -q "^removed 2 entries" "$SCRATCH/gc" || fail "gc did not remove both virtual nodes' entries: $(cat "$SCRATCH/gc")"

# 3b. pybcast-0 pre-created by nobody: every rank fails, and the message says
# whose it is and that only they or root can remove it.
TAKEN="$SHM/taken"
mkdir -m 1777 "$TAKEN"
as_nobody mkdir -m 0700 "$TAKEN/pybcast-0"
run_mpi 2 "$PYBCAST" stage --chroot "$TAKEN" --pkgroot "$PKGROOT" "${BUNDLES_ARGS[@]}"
expect_failure_everywhere 2 "$TAKEN/pybcast-0 is owned by uid 65534, not by us (uid 0): another user made it, and only they or root can remove it"
echo "ok: another user's pybcast-<uid> is named with its owner; their vnode-*/pybcast-<uid> leaves our gc alone"
