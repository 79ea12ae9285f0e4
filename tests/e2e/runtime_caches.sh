#!/bin/bash
# Runtime caches on the node: python-mpi on 4 ranks / 2 virtual nodes points
# TRITON_CACHE_DIR, TORCHINDUCTOR_CACHE_DIR, NUMBA_CACHE_DIR, CUPY_CACHE_DIR,
# MPLCONFIGDIR and XDG_CACHE_HOME at <user root>/caches/<name> of each rank's
# node (0700), keeps the one the user set, lists them in the report; and
# `stage --print-env` exports them.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python-3.11.tar.gz:numpy.tar.gz:mpi4py.tar.gz
export PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1
caches=(TRITON_CACHE_DIR TORCHINDUCTOR_CACHE_DIR NUMBA_CACHE_DIR CUPY_CACHE_DIR MPLCONFIGDIR XDG_CACHE_HOME)
unset "${caches[@]}"
code='import os; from mpi4py import MPI
for v in ("TRITON_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR", "NUMBA_CACHE_DIR", "CUPY_CACHE_DIR", "MPLCONFIGDIR", "XDG_CACHE_HOME"):
    print("CACHE", MPI.COMM_WORLD.rank, v, os.environ[v], os.path.isdir(os.environ[v]))'
user_root() { echo "$CHROOT/pybcast-$(id -u)/vnode-$1"; }

PYBCAST_REPORT=1 run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "python-mpi: $(cat "$SCRATCH/out")"
for rank in 0 1 2 3; do
  root=$(user_root $((rank / 2)))  # ranks 0,1 on vnode-0, 2,3 on vnode-1
  for v in "${caches[@]}"; do
    grep -qE "^CACHE $rank $v $root/caches/[a-z]+ True$" "$SCRATCH/out" ||
      fail "rank $rank: $v is not under its node's $root/caches: $(grep "^CACHE $rank $v" "$SCRATCH/out")"
  done
done
for g in 0 1; do
  for d in "$(user_root $g)/caches" "$(user_root $g)/caches/triton" "$(user_root $g)/caches/xdg"; do
    [ "$(stat -c %a "$d")" = 700 ] || fail "$d has mode $(stat -c %a "$d"), expected 700"
  done
done
for v in "${caches[@]}"; do
  grep -qE "^ *cache $v -> $(user_root 0)/caches/[a-z]+$" "$SCRATCH/out" || fail "the report does not list $v: $(cat "$SCRATCH/out")"
done

# A cache the user set is kept (and not listed as redirected).
TRITON_CACHE_DIR=$SCRATCH/my-triton PYBCAST_REPORT=1 run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "python-mpi with TRITON_CACHE_DIR set: $(cat "$SCRATCH/out")"
[ "$(count_matches "CACHE [0-3] TRITON_CACHE_DIR $SCRATCH/my-triton ")" -eq 4 ] ||
  fail "TRITON_CACHE_DIR set by the user was not kept: $(grep TRITON "$SCRATCH/out")"
! grep -q "^ *cache TRITON_CACHE_DIR" "$SCRATCH/out" || fail "the report lists the user's TRITON_CACHE_DIR as redirected"
[ "$(count_matches "CACHE [0-3] NUMBA_CACHE_DIR $CHROOT/pybcast-[0-9]+/vnode-[01]/")" -eq 4 ] || fail "the others are no longer redirected"

# stage --print-env exports them, quoted, for every node.
unset PYBCAST_VIRTUAL_NODES
rm -rf "${CHROOT:?}"/*
run_mpi 2 "$PYBCAST" stage --print-env
[ "$STATUS" -eq 0 ] || fail "stage --print-env: $(cat "$SCRATCH/out")"
for v in "${caches[@]}"; do
  grep -qE "^export $v='$CHROOT/pybcast-$(id -u)/caches/[a-z]+'$" "$SCRATCH/out" || fail "no export of $v: $(cat "$SCRATCH/out")"
done
eval "$(grep '^export ' "$SCRATCH/out")"
[ -d "$TRITON_CACHE_DIR" ] || fail "stage did not create $TRITON_CACHE_DIR"
echo "ok: runtime caches point at each node's private directory, a user's setting is kept, print-env exports them"
