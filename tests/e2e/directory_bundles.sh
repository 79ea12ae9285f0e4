#!/bin/bash
# Directories in PYTHON_MPI_PACKAGES, staged as they are (issue 15).
#   1. A venv made here (Debian's python3 + a wheel built here) and a plain
#      prefix each run a script importing the wheel and numpy (a second
#      bundle) on 8 ranks / 4 virtual nodes, from node-local copies.
#   2. strace: one process touches the directory, at most 2 path-based calls
#      per entry, the same count for 2, 4 and 8 ranks; a warm step opens no
#      file under it (directories are listed, files only stat'ed).
#   3. An edited or added file re-stages; a file changed mid-stream fails
#      every rank, nothing published.
#   4. A symlink to /etc, a FIFO, a socket: kept / left out with a warning;
#      an unreadable file (as nobody): an error naming it.
. "$(dirname "$0")/../lib/mpi.sh"
PY=/usr/bin/python3
. "$(dirname "$0")/../lib/wheels.sh"
"$PY" -m pip --version >/dev/null 2>&1 || skip "$PY has no pip"
"$PY" -c 'import venv' 2>/dev/null || skip "$PY has no venv"
command -v strace >/dev/null || skip "no strace"

for b in "${PY_STACK[@]}"; do cp "$PY_BUNDLES/prefix/$b" "$PKGROOT/"; done
EXTRA=$(IFS=:; echo "${PY_STACK[*]:1}")  # numpy (+ mpi4py under Open MPI): bundle files
ENVS=$SCRATCH/envs
mkdir -p "$ENVS"
make_wheels "$SCRATCH/W"
"$PY" -m venv --without-pip "$ENVS/venv"
"$PY" -m pip --python "$ENVS/venv/bin/python" install -q --no-index --find-links "$SCRATCH/W" pbtest-app \
  >"$SCRATCH/pip.log" 2>&1 || fail "pip into the venv: $(tail -3 "$SCRATCH/pip.log")"
# A plain prefix: Debian's python3.11 as its bundle holds it, the wheel's
# packages where that python looks in a prefix.
mkdir -p "$ENVS/prefix"
tar -xzf "$PKGROOT/python-3.11.tar.gz" -C "$ENVS/prefix"
mkdir -p "$ENVS/prefix/lib/python3/dist-packages"
cp -a "$ENVS/venv/lib/python3.11/site-packages/." "$ENVS/prefix/lib/python3/dist-packages/"

cat >"$SCRATCH/check.py" <<'PY'
import os, sys, numpy, pbtest_app, pbtest_dep
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
off = [m.__name__ for m in (os, numpy, pbtest_app, pbtest_dep) if not m.__file__.startswith(root)]
print("DIRSTAGE", "ok" if not off and sys.prefix.startswith(root) else "OFF-NODE %s %s" % (off, sys.prefix),
      sys.prefix, pbtest_dep.VALUE)
PY

export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT OPENBLAS_NUM_THREADS=1
unset PYTHONDONTWRITEBYTECODE  # a user's setting: bytecode may be written (not into the read-only stage)

# --- 1. venv and plain prefix, 8 ranks / 4 virtual nodes -------------------
for dir in venv prefix; do
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  PYTHON_MPI_PACKAGES="$ENVS/$dir:$EXTRA" PYBCAST_VIRTUAL_NODES=4 run_mpi 8 "$PYTHON_MPI" "$SCRATCH/check.py"
  [ "$STATUS" -eq 0 ] || fail "$dir: job failed: $(tail -20 "$SCRATCH/out")"
  [ "$(count_matches 'DIRSTAGE ok')" -eq 8 ] || fail "$dir: not every rank ran from the stage: $(grep -a DIRSTAGE "$SCRATCH/out")"
  nodes=$(grep -aoE "DIRSTAGE ok [^ ]*/vnode-[0-9]+/" "$SCRATCH/out" | sort -u | wc -l)
  [ "$nodes" -eq 4 ] || fail "$dir: expected 4 node-local copies, got $nodes: $(grep -a DIRSTAGE "$SCRATCH/out")"
  [ "$(count_matches 'DIRSTAGE ok .* 42')" -eq 8 ] || fail "$dir: the wheel's value is wrong"
  echo "ok: $dir: 8 ranks / 4 virtual nodes import the wheel and numpy from node-local copies"
done
# The venv's base interpreter came along: its stdlib is in the stage.
prefix=$(vnode_prefix 0)
[ -f "$prefix/lib/python3.11/os.py" ] || fail "the prefix's stage has no stdlib"

# --- 2. strace: who touches the directory, and how much --------------------
DIR=$ENVS/prefix
entries=$(find "$DIR" | wc -l)
trace_calls() {  # N LOG: path-based calls naming DIR in LOG; processes in PROCS
  grep -F "\"$DIR" "$2" | grep -v ' execve(' >"$2.dir" || true
  PROCS=$(awk '{print $1}' "$2.dir" | sort -u | wc -l)
  CALLS=$(wc -l <"$2.dir")
}
call_kinds() {  # LOG: calls by name, and the files with most calls
  sed -E 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/' "$1" | sort | uniq -c | tr '\n' ' '
  grep -oE "\"$DIR[^\"]*\"" "$1" | sort | uniq -c | sort -rn | head -5 | tr '\n' ' '
}
# The budget per entry: 2 (lstat + open, or lstat + opendir); 3 for a shared
# object or executable (its dynamic section is read for the RUNPATH rule);
# 5 for a symlink (lstat, stat, readlink and the symlink rule's checks); the
# directory itself 6 (open, pack's checks, the walk).
over_budget() {  # LOG: sets OVER to the entries over budget
  OVER=
  local c p max
  while read -r c p; do
    if [ "$p" = "$DIR" ]; then max=6
    elif [ -L "$p" ]; then max=5
    elif [[ $p == *.so* ]] || { [ -f "$p" ] && [ -x "$p" ] && [[ $p != *.py ]]; }; then max=3
    else max=2; fi
    [ "$c" -le "$max" ] || OVER+="$p: $c; "
  done < <(grep -oE "\"$DIR[^\"]*\"" "$1" | tr -d '"' | sort | uniq -c)
}
counts=()
for n in 2 4 8; do
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  log=$SCRATCH/strace-$n.log
  PYTHON_MPI_PACKAGES="$DIR:$EXTRA" PYBCAST_VIRTUAL_NODES=2 STRACE_OPTS="-e trace=%file,%stat" \
    strace_mpi "$log" "$n" "$PYTHON_MPI" -c 'import numpy, pbtest_app; print("RAN")'
  [ "$STATUS" -eq 0 ] && [ "$(count_matches RAN)" -eq "$n" ] || fail "$n ranks under strace: $(tail -20 "$SCRATCH/out")"
  trace_calls "$n" "$log"
  [ "$PROCS" -eq 1 ] || fail "$n ranks: $PROCS processes touched $DIR: $(awk '{print $1}' "$log.dir" | sort | uniq -c)"
  over_budget "$log.dir"
  [ -z "$OVER" ] || fail "$n ranks: entries with more path-based calls than their budget: $OVER ($(call_kinds "$log.dir"))"
  counts+=("$CALLS")
done
[ "${counts[0]}" = "${counts[1]}" ] && [ "${counts[1]}" = "${counts[2]}" ] ||
  fail "the directory's calls depend on the rank count: ${counts[*]} for 2, 4, 8 ranks"
echo "ok: strace: 1 process, ${counts[0]} path-based calls for $entries entries, each within its budget, the same for 2, 4 and 8 ranks"
# Warm: the cache of the 8-rank run is there; files are stat'ed, not opened.
log=$SCRATCH/strace-warm.log
PYTHON_MPI_PACKAGES="$DIR:$EXTRA" PYBCAST_VIRTUAL_NODES=2 STRACE_OPTS="-e trace=%file,%stat" \
  strace_mpi "$log" 4 "$PYTHON_MPI" -c 'import numpy, pbtest_app; print("RAN")'
[ "$STATUS" -eq 0 ] && [ "$(count_matches RAN)" -eq 4 ] || fail "warm step: $(tail -20 "$SCRATCH/out")"
trace_calls 4 "$log"
[ "$PROCS" -eq 1 ] || fail "warm: $PROCS processes touched $DIR"
opened=$(grep -E ' open(at)?\(' "$log.dir" | grep -v O_DIRECTORY | grep -vF "\"$DIR\"," || true)
[ -z "$opened" ] || fail "warm step opened files under $DIR: $(echo "$opened" | head -3)"
grep -F "\"$DIR/lib/python3/dist-packages/pbtest_app/__init__.py\"" "$log.dir" | grep -q newfstatat ||
  fail "the warm step's check is blind: no stat of the wheel's files in $log.dir"
echo "ok: warm step: no file under the directory opened, $CALLS path-based calls"

# --- 3. changes ---------------------------------------------------------------
stage_report() {  # the plain prefix staged again, 2 ranks / 2 virtual nodes
  stage 2 --virtual-nodes 2 --report "$DIR"
  [ "$STATUS" -eq 0 ] || fail "stage: $(tail -20 "$SCRATCH/out")"
}
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
stage_report
grep -q "cache 0 hit / 2 extracted" "$SCRATCH/out" || fail "cold stage not extracted: $(grep -a cache "$SCRATCH/out")"
grep -qE "directory $DIR: walked $((entries - 1)) entries" "$SCRATCH/out" || fail "no walk line in --report: $(cat "$SCRATCH/out")"
stage_report
grep -q "cache 2 hit / 0 extracted" "$SCRATCH/out" || fail "unchanged tree re-staged: $(grep -a cache "$SCRATCH/out")"
echo "VALUE = 43" >"$DIR/lib/python3/dist-packages/pbtest_dep/__init__.py"
stage_report
grep -q "cache 0 hit / 2 extracted" "$SCRATCH/out" || fail "edited file not re-staged: $(grep -a cache "$SCRATCH/out")"
grep -qs "VALUE = 43" "$CHROOT"/pybcast-*/vnode-1/cache/*/lib/python3/dist-packages/pbtest_dep/__init__.py ||
  fail "the edit is not in the new stage"
touch "$DIR/lib/python3/dist-packages/added.py"
stage_report
grep -q "cache 0 hit / 2 extracted" "$SCRATCH/out" || fail "added file not re-staged: $(grep -a cache "$SCRATCH/out")"
echo "ok: an edited and an added file re-stage; an unchanged tree is a hit"

# Changed mid-stream: rank 0 reads slowly (test seam), the last file grows.
T=$ENVS/slow
mkdir -p "$T"
for i in $(seq -w 1 24); do head -c 65536 /dev/urandom >"$T/f$i"; done
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
( sleep 1.5; echo more >>"$T/f24" ) &
PYBCAST_TEST_READ_DELAY_MS=150 stage 4 --virtual-nodes 2 --chunk-size 64K "$T"
wait
expect_failure_everywhere 4 "f24 changed while being staged"
grep -q "stage again once it is stable" "$SCRATCH/out" || fail "no advice: $(grep -m1 error "$SCRATCH/out")"
expect_clean_cache
echo "ok: a file changed mid-stream fails all 4 ranks, nothing published"

# --- 4. odd entries -----------------------------------------------------------
H=$ENVS/odd
mkdir -p "$H/pkg"
echo 'x = 1' >"$H/pkg/mod.py"
ln -s /etc "$H/etc"
mkfifo "$H/fifo"
"$PY" -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$H/sock"
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
stage 2 --virtual-nodes 2 "$H"
[ "$STATUS" -eq 0 ] || fail "odd tree: $(tail -5 "$SCRATCH/out")"
grep -q "warning: directory '$H': left out $H/fifo: not a regular file" "$SCRATCH/out" || fail "no FIFO warning: $(cat "$SCRATCH/out")"
grep -q "left out $H/sock" "$SCRATCH/out" || fail "no socket warning: $(cat "$SCRATCH/out")"
p=$(vnode_prefix 1)
[ "$(readlink "$p/etc")" = /etc ] || fail "the /etc symlink is not kept as an absolute link into the system: $(ls -l "$p")"
[ ! -e "$p/fifo" ] && [ ! -e "$p/sock" ] && [ -f "$p/pkg/mod.py" ] || fail "odd tree staged wrongly: $(ls -la "$p")"
echo "ok: /etc symlink kept, FIFO and socket left out with a warning"
# An unreadable file: nobody stages a tree with a file only root can read.
if [ "$PYBCAST_MPI" = openmpi ]; then
  SHM=$(mktemp -d /dev/shm/pybcast-dirs-XXXXXX)
  trap 'rm -rf "$SHM"; scratch_cleanup' EXIT
  chmod 0755 "$SHM"
  nobody_binaries "$SHM"
  install -d -o nobody -g nogroup "$SHM/nobody" "$SHM/nobody/chroot"
  mkdir -p "$SHM/tree/pkg" && echo 'x = 1' >"$SHM/tree/pkg/mod.py" && echo secret >"$SHM/tree/pkg/secret.txt"
  chmod 0600 "$SHM/tree/pkg/secret.txt"
  chmod -R a+rX "$SHM/tree" && chmod 0600 "$SHM/tree/pkg/secret.txt"
  set +e
  (cd "$SHM/nobody" && setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -u OMPI_ALLOW_RUN_AS_ROOT -u OMPI_ALLOW_RUN_AS_ROOT_CONFIRM HOME="$SHM/nobody" \
    OMPI_MCA_btl_vader_backing_directory="$SHM/nobody" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    timeout 120 mpirun.openmpi -n 2 "$NOBODY_PYBCAST" stage --chroot "$SHM/nobody/chroot" --virtual-nodes 2 "$SHM/tree") \
    >"$SCRATCH/out" 2>&1
  STATUS=$?
  set -e
  expect_failure_everywhere 2 "$SHM/tree/pkg/secret.txt"
  left=$(find "$SHM/nobody/chroot" -path '*/cache/*' -print -quit)
  [ -z "$left" ] || fail "an entry was published: $left"
  echo "ok: an unreadable file fails both ranks, naming it; nothing published"
fi
