#!/bin/bash
# python-mpi --stage-script-dir (issue 15) with the script on a slowfs (FUSE)
# mount: the script's directory is staged, the script and its local modules
# run from the node-local copy, and under strace no process but one (rank
# 0, walking and reading it once) touches the mount. Without the option
# every rank does (the check is not blind). A directory over the entry limit
# fails every rank with the limit named; -c has no script to stage (warned).
# PYBCAST_CLEANUP=1 removes both entries on every node: the environment's and
# the script directory's.
# Skips (77) where FUSE cannot mount.
. "$(dirname "$0")/../lib/mpi.sh"
. "$REPO/bench/lib/slowfs.sh"
why=$(slowfs_check) || skip "$why"
command -v strace >/dev/null || skip "no strace"
trap '_status=$?; slowfs_cleanup_all; if findmnt -rn -o TARGET | grep -qF "$SCRATCH/"; then
  echo "a mount is left under $SCRATCH; not removing it" >&2; exit 1; fi; scratch_cleanup; exit $_status' EXIT
SCRATCH=$(realpath "$SCRATCH")
MNT=$SCRATCH/mnt
mkdir -p "$SCRATCH/src/app/data"
cp "$PY_BUNDLES"/prefix/python-3.11.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz PYBCAST_VIRTUAL_NODES=2
export PYTHONDONTWRITEBYTECODE=1  # on purpose: no bytecode written next to the script on the mount
cat >"$SCRATCH/src/app/main.py" <<'PY'
import os, sys, helper
here = os.path.dirname(os.path.abspath(__file__))
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
ok = here.startswith(root) and helper.__file__.startswith(root) and sys.path[0] == here
print("SCRIPTDIR", "ok" if ok else "OFF-NODE %s %s %s" % (here, helper.__file__, sys.path[0]), helper.VALUE,
      open(os.path.join(here, "data", "input.png")).read().strip())
PY
echo 'VALUE = 42' >"$SCRATCH/src/app/helper.py"
echo 'pixels' >"$SCRATCH/src/app/data/input.png"  # data next to a script is staged too (no excludes)
slowfs_mount "$SCRATCH/src" "$MNT" --latency-ms=0

touchers() {  # LOG: processes that named the mount in a call other than execve
  grep -F "$MNT" "$1" | grep -v ' execve(' | awk '{print $1}' | sort -u | wc -l
}
log=$SCRATCH/strace.log
STRACE_OPTS="-e trace=%file,%stat" strace_mpi "$log" 4 "$PYTHON_MPI" --stage-script-dir "$MNT/app/main.py"
[ "$STATUS" -eq 0 ] || fail "job failed ($STATUS): $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'SCRIPTDIR ok 42 pixels')" -eq 4 ] || fail "not every rank ran from the copy: $(grep -a SCRIPTDIR "$SCRATCH/out")"
procs=$(touchers "$log")
[ "$procs" -eq 1 ] || fail "$procs processes touched $MNT: $(grep -F "$MNT" "$log" | grep -v execve | head -5)"
echo "ok: --stage-script-dir: 4 ranks run the script and its module from node-local copies; 1 process touched the mount"

# Without it, every rank reads the script and looks up modules on the mount.
STRACE_OPTS="-e trace=%file,%stat" strace_mpi "$log.plain" 4 "$PYTHON_MPI" "$MNT/app/main.py"
[ "$STATUS" -eq 0 ] || fail "plain job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'SCRIPTDIR OFF-NODE')" -eq 4 ] || fail "plain run: $(grep -a SCRIPTDIR "$SCRATCH/out")"
procs=$(touchers "$log.plain")
[ "$procs" -ge 4 ] || fail "the check is blind: only $procs processes touched $MNT without the option"
echo "ok: without it, $procs processes touched the mount"

# The environment variable, and the limit.
PYBCAST_STAGE_SCRIPT_DIR=1 PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES=2 run_mpi 4 "$PYTHON_MPI" "$MNT/app/main.py"
expect_failure_everywhere 4 "the script's directory $MNT/app has more than 2 entries"
grep -q "PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES (now 2)" "$SCRATCH/out" || fail "the message does not say how to raise the limit"
echo "ok: over the entry limit: every rank fails, naming the limit"

PYBCAST_STAGE_SCRIPT_DIR=1 run_mpi 2 "$PYTHON_MPI" -c 'print("CODE RAN")'
[ "$STATUS" -eq 0 ] && [ "$(count_matches 'CODE RAN')" -eq 2 ] || fail "-c with the option: $(cat "$SCRATCH/out")"
grep -q "stage-script-dir: no script to run" "$SCRATCH/out" || fail "no warning for -c: $(cat "$SCRATCH/out")"
echo "ok: -c: nothing to stage, said once"

# PYBCAST_CLEANUP=1: the script directory's entry goes too, on both nodes.
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
entries() { find "$CHROOT" -mindepth 4 -maxdepth 4 -path '*/vnode-*/cache/*' | wc -l; }
run_mpi 4 "$PYTHON_MPI" --stage-script-dir "$SCRATCH/src/app/main.py"
[ "$STATUS" -eq 0 ] && [ "$(count_matches 'SCRIPTDIR ok 42 pixels')" -eq 4 ] || fail "run to keep: $(tail -20 "$SCRATCH/out")"
[ "$(entries)" -eq 4 ] || fail "expected 2 entries on each of 2 nodes, got: $(find "$CHROOT" -maxdepth 4 -path '*/cache/*')"
PYBCAST_CLEANUP=1 run_mpi 4 "$PYTHON_MPI" --stage-script-dir "$SCRATCH/src/app/main.py"
[ "$STATUS" -eq 0 ] && [ "$(count_matches 'SCRIPTDIR ok 42 pixels')" -eq 4 ] || fail "cleanup run: $(tail -20 "$SCRATCH/out")"
[ "$(entries)" -eq 0 ] || fail "entries left after PYBCAST_CLEANUP=1: $(find "$CHROOT" -maxdepth 4 -path '*/cache/*')"
echo "ok: PYBCAST_CLEANUP=1 removes the environment's and the script directory's entries on both nodes"
