# Shared helpers for every test that runs under an MPI launcher (tests/mpi,
# e2e, reliability, harness, ecosystem). Each test sources this, gets its own
# scratch directory (removed on exit) and runs pybcast under the MPI launcher
# with MPI traffic kept on this machine (loopback, shared memory).
# PYBCAST_MPI selects the implementation the binaries were built against:
# openmpi (default: mpirun.openmpi) or mpich (Hydra: mpiexec.hydra). Tests
# launch through run_mpi / launch_cmd and never name a launcher themselves.
set -Eeuo pipefail
# A command that fails outside any check ends the test; say where (not in the
# set +e stretches, where a failing launcher is the expected outcome).
trap '_err_status=$?; [[ $- != *e* ]] || echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: \"$BASH_COMMAND\" exited $_err_status" >&2' ERR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PYBCAST=${PYBCAST:-$(cd "$REPO/build/bin" && pwd)/pybcast}
PYTHON_MPI=${PYTHON_MPI:-$(dirname "$PYBCAST")/python-mpi}
BUNDLES=${PYBCAST_TEST_BUNDLES:-}        # fixture: Debian trees as bundles (tests/mpi)
PY_BUNDLES=${PYBCAST_PYTHON_BUNDLES:-}   # fixture: python + numpy + mpi4py bundles (tests/e2e)
make_scratch /tmp/pybcast-mpi-XXXXXX
CHROOT=$SCRATCH/chroot
PKGROOT=$SCRATCH/shared
mkdir -p "$CHROOT" "$PKGROOT"

PYBCAST_MPI=${PYBCAST_MPI:-openmpi}
case $PYBCAST_MPI in
  openmpi)
    MPIEXEC=${PYBCAST_MPIEXEC:-mpirun.openmpi}
    RANK_VAR=OMPI_COMM_WORLD_RANK  # each rank's world rank, in its environment
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
    # Shared-memory segments of killed jobs would otherwise pile up in /dev/shm.
    export OMPI_MCA_btl_vader_backing_directory=$SCRATCH
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none
    ;;
  mpich)
    # Hydra runs as root, oversubscribes and passes the whole environment by default.
    MPIEXEC=${PYBCAST_MPIEXEC:-mpiexec.hydra}
    RANK_VAR=PMI_RANK
    # Debian's MPICH is ch4:ucx: one host needs only shared memory; no network device at all.
    export UCX_TLS=self,sm UCX_POSIX_DIR=$SCRATCH
    ;;
  *)
    echo "FAIL: PYBCAST_MPI must be openmpi or mpich, not '$PYBCAST_MPI'" >&2
    exit 1
    ;;
esac
# The fixture's python + numpy bundles, + mpi4py under Open MPI only: Debian's
# mpi4py is built against Open MPI, and python-mpi refuses to start an mpi4py
# of another MPI family (issue 18, C9). PY_STACK_PACKAGES: the same, colon-joined.
PY_STACK=(python-3.11.tar.gz numpy.tar.gz)
[ "$PYBCAST_MPI" != openmpi ] || PY_STACK+=(mpi4py.tar.gz)
PY_STACK_PACKAGES=$(IFS=:; echo "${PY_STACK[*]}")
unset PYTHON_MPI_CHROOT PYTHON_MPI_PKGROOT PYTHON_MPI_PACKAGES PYBCAST_REPORT PYBCAST_VIRTUAL_NODES PYBCAST_EXTRACT_THREADS

# Each rank's stdout and stderr go to files of their own (the launcher glues
# concurrent lines of different ranks together otherwise); collect_output
# joins them, one rank after the other, followed by the launcher's own
# messages, into $SCRATCH/out.
RANK_OUTPUT=$SCRATCH/ranks

# Sets LAUNCH to the launcher command line for N ranks, with per-rank output
# files and the launcher options in LAUNCH_EXTRA.
LAUNCH_EXTRA=()
launch_cmd() {
  case $PYBCAST_MPI in
    openmpi) LAUNCH=("$MPIEXEC" --output-filename "$RANK_OUTPUT:nocopy" -n "$1") ;;
    mpich)
      # Hydra does not create directories; the job may run as another user ($AS_USER).
      mkdir -p -m 1777 "$RANK_OUTPUT"
      LAUNCH=("$MPIEXEC" -n "$1" -outfile-pattern "$RANK_OUTPUT/rank.%r.stdout"
        -errfile-pattern "$RANK_OUTPUT/rank.%r.stderr")
      ;;
  esac
  LAUNCH+=("${LAUNCH_EXTRA[@]}")
}

# The files of rank R's stream (stdout or stderr), as each launcher names them.
rank_stream_file() {
  case $PYBCAST_MPI in
    openmpi) echo "$RANK_OUTPUT"/*/"rank.$1/$2" ;;  # */: the job's number
    mpich) echo "$RANK_OUTPUT/rank.$1.$2" ;;
  esac
}

collect_output() {
  local rank stream f
  : >"$SCRATCH/out"
  for rank in $(find "$RANK_OUTPUT" -name 'rank.*' 2>/dev/null | sed -E 's/.*rank\.([0-9]+).*/\1/' | sort -nu); do
    for stream in stdout stderr; do
      f=$(rank_stream_file "$rank" "$stream")
      [ -s "$f" ] && { cat "$f"; echo; } >>"$SCRATCH/out"
    done
  done
  cat "$SCRATCH/mpirun.out" >>"$SCRATCH/out"
  rm -rf "$RANK_OUTPUT"
}

# The program a command line runs, as it names itself in its messages: the
# first word that names pybcast or python-mpi (pybcast if none does).
program_in() {
  local word
  for word in "$@"; do
    case ${word##*/} in
      python-mpi | pybcast)
        echo "${word##*/}"
        return
        ;;
    esac
  done
  echo pybcast
}

# N ranks of CMD...; output in $SCRATCH/out, status in $STATUS, seconds in $ELAPSED,
# the program that ran in $LAST_PROGRAM.
# $AS_USER (a setpriv prefix) runs the whole job as another user, from
# $SCRATCH (Hydra makes each rank enter the launcher's working directory,
# which may be a build tree that user cannot enter).
run_mpi() {
  local n=$1
  shift
  local start=$(date +%s.%N)
  LAST_PROGRAM=$(program_in "$@")
  launch_cmd "$n"
  set +e
  if [ -n "${AS_USER:-}" ]; then
    (cd "$SCRATCH" && timeout -k 10 60 $AS_USER "${LAUNCH[@]}" "$@") >"$SCRATCH/mpirun.out" 2>&1
  else
    timeout -k 10 60 "${LAUNCH[@]}" "$@" >"$SCRATCH/mpirun.out" 2>&1
  fi
  STATUS=$?
  set -e
  ELAPSED=$(echo "$(date +%s.%N) - $start" | bc)
  collect_output
}

# Like run_mpi, but under `strace -f -qq -y $STRACE_OPTS -o LOG` around the
# launcher, so every rank (and the launcher) is traced into one log.
# (LeakSanitizer cannot run under ptrace: a sanitizer build checks leaks elsewhere.)
strace_mpi() {
  local log=$1 n=$2
  shift 2
  LAST_PROGRAM=$(program_in "$@")
  launch_cmd "$n"
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    timeout -k 10 120 strace -f -qq -y $STRACE_OPTS -o "$log" "${LAUNCH[@]}" "$@" >"$SCRATCH/mpirun.out" 2>&1
  STATUS=$?
  set -e
  collect_output
}

# pkgroot_access LOG: who touched $PKGROOT in a strace_mpi LOG (traced with
# -e trace=%file,%stat). Every call that names PKGROOT, by path or (strace -y)
# by fd, goes to LOG.pkg; execve lines aside (their argv names PKGROOT). Sets
#   PKG_PROCS     processes that made any such call
#   PKG_OPENS     open/openat among them: by path, or relative to a directory fd
#   PKG_BY_PATH   other calls naming a path under PKGROOT (stat, access, ...)
#   PKG_FD_STATS  fstat/newfstatat on an open fd of a file under PKGROOT
pkgroot_access() {
  local log=$1
  grep -F "$PKGROOT" "$log" | grep -v ' execve(' >"$log.pkg" || true
  PKG_PROCS=$(awk '{print $1}' "$log.pkg" | sort -u | wc -l)
  PKG_OPENS=$(grep -cE ' open(at)?\(' "$log.pkg" || true)
  PKG_BY_PATH=$(grep -F "\"$PKGROOT" "$log.pkg" | grep -cvE ' open(at)?\(' || true)
  PKG_FD_STATS=$(grep -cE "fstat(at)?\([0-9]+<$PKGROOT/" "$log.pkg" || true)
}

# expect_one_reader LOG WHAT OPENS MAX_FD_STATS: in the strace_mpi LOG, one
# process alone touched PKGROOT, with exactly OPENS opens (one per bundle), no
# metadata call by path, and at most MAX_FD_STATS fstat calls on its open fds.
expect_one_reader() {
  local log=$1 what=$2 opens=$3 max_fd_stats=$4
  pkgroot_access "$log"
  [ "$PKG_PROCS" -eq 1 ] || fail "$what: $PKG_PROCS processes touched PKGROOT: $(head "$log.pkg")"
  [ "$PKG_OPENS" -eq "$opens" ] || fail "$what: expected $opens opens (one per bundle), got $PKG_OPENS: $(cat "$log.pkg")"
  [ "$PKG_BY_PATH" -eq 0 ] || fail "$what: metadata calls by path under PKGROOT: $(grep -F "\"$PKGROOT" "$log.pkg" | grep -vE ' open(at)?\(')"
  [ "$PKG_FD_STATS" -le "$max_fd_stats" ] || fail "$what: $PKG_FD_STATS fstat calls on bundles: $(cat "$log.pkg")"
}

# The pid of world rank R among the given pids (each launcher puts the rank in the environment).
pid_of_rank() {
  local rank=$1 p
  shift
  for p in "$@"; do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "$RANK_VAR=$rank" && { echo "$p"; return; }
  done
  return 0  # not found: an empty answer, which the caller reports (set -e would exit silently)
}

stage() {
  local n=$1
  shift
  run_mpi "$n" "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" "$@"
}

# Occurrences of an extended regex in the last run's output. mpirun may glue
# lines of different ranks together, so count matches, not lines.
count_matches() {
  grep -oE -- "$1" "$SCRATCH/out" | wc -l
}

# Asserts the last run failed on all N ranks with one identical message containing $2,
# each "<program>: error: ..." as the program of the last run names itself.
expect_failure_everywhere() {
  local n=$1 expected=$2 prefix="^${LAST_PROGRAM:-pybcast}: error: "
  [ "$STATUS" -ne 0 ] || fail "expected a failure, got exit 0: $(cat "$SCRATCH/out")"
  [ "$STATUS" -ne 124 ] || fail "timed out (hang)"
  local lines
  lines=$(grep -c "$prefix" "$SCRATCH/out" || true)
  [ "$lines" -eq "$n" ] || fail "expected $n error lines (one per rank), got $lines: $(cat "$SCRATCH/out")"
  [ "$(grep "$prefix" "$SCRATCH/out" | sort -u | wc -l)" -eq 1 ] || fail "ranks disagree: $(cat "$SCRATCH/out")"
  grep -qF -- "$expected" "$SCRATCH/out" || fail "message lacks '$expected': $(grep -m1 error "$SCRATCH/out")"
}

# Asserts no extraction directory or partial cache entry is left anywhere under CHROOT.
expect_clean_cache() {
  local leftovers
  leftovers=$(find "$CHROOT" -maxdepth 3 -name 'tmp-*' | head -3)
  [ -z "$leftovers" ] || fail "leftover tmp dirs: $leftovers"
  leftovers=$(find "$CHROOT" -mindepth 4 -maxdepth 4 -path '*/cache/*' | head -3)
  [ -z "$leftovers" ] || fail "cache entry published despite failure: $leftovers"
}

# "path type mode size symlink-target mtime" for every entry, sorted; skips our .pybcast dir and the root.
tree_listing() {
  (cd "$1" && find . -mindepth 1 -path ./.pybcast -prune -o -mindepth 1 -printf '%P %y %m %s %l %T@\n' | sort)
}

# nobody_binaries DIR: NOBODY_PYBCAST and NOBODY_PYTHON_MPI, the binaries as
# user nobody can run them. A checkout inside a private directory (mktemp -d
# makes 0700 ones) is out of their reach: then copies under DIR (which nobody
# must be able to enter), with the --audit library python-mpi looks for
# beside them.
nobody_binaries() {
  local as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  NOBODY_PYBCAST=$PYBCAST NOBODY_PYTHON_MPI=$PYTHON_MPI
  "${as_nobody[@]}" test -x "$PYBCAST" -a -x "$PYTHON_MPI" && return
  local prefix=$1/nobody-prefix bin lib
  bin=$(dirname "$PYBCAST")
  lib=$bin/../lib/pybcast
  mkdir -p "$prefix/bin" "$prefix/lib"
  cp "$PYBCAST" "$PYTHON_MPI" "$prefix/bin/"
  [ ! -d "$lib" ] || cp -r "$lib" "$prefix/lib/"
  chmod -R a+rX "$prefix"
  NOBODY_PYBCAST=$prefix/bin/pybcast NOBODY_PYTHON_MPI=$prefix/bin/python-mpi
  "${as_nobody[@]}" test -x "$NOBODY_PYBCAST" || fail "nobody cannot run $NOBODY_PYBCAST either"
}

# as_published DIR: what publishing does to a tree on top of tar -x (issue 18,
# C4, C10): directories at least u+rx, nothing writable.
as_published() {
  find "$1" -type d -exec chmod u+rx {} +
  chmod -R a-w "$1"
}

# The node-local prefix of virtual node G (one cache entry expected).
vnode_prefix() {
  local entries=("$CHROOT"/pybcast-"$(id -u)"/vnode-"$1"/cache/*)
  [ ${#entries[@]} -eq 1 ] && [ -d "${entries[0]}" ] || fail "vnode $1: expected one cache entry, got ${entries[*]}"
  echo "${entries[0]}"
}
