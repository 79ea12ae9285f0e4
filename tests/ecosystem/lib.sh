# Shared by the ecosystem tests: tests/lib/mpi.sh (scratch dir, mpirun
# settings, fail, skip, count_matches), plus a bin directory with the binaries
# under test as `pybcast` and `python-mpi` on PATH, as an install puts them.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mpi.sh"
ECO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$REPO
ECO_BUNDLES=${PYBCAST_ECO_BUNDLES:-}   # fixture: python/numpy/mpi4py .tar.zst made by pybcast pack
mkdir -p "$SCRATCH/bin"
ln -s "$PYBCAST" "$SCRATCH/bin/pybcast"
ln -s "$PYTHON_MPI" "$SCRATCH/bin/python-mpi"
export PATH=$SCRATCH/bin:$PATH
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# Runs a job-script recipe through the stub launchers (tests/ecosystem/stubs
# first on PATH): output in $SCRATCH/out, status in $STATUS, the stubs' log
# in $STUB_LOG. The recipes read bundles from $SCRATCH/bundles.
run_recipe() {
  export STUB_LOG=$SCRATCH/stub.log STUB_DIR=$SCRATCH SCRATCH
  : >"$STUB_LOG"
  set +e
  PATH=$ECO/stubs:$PATH timeout -k 10 240 "$@" >"$SCRATCH/out" 2>&1
  STATUS=$?
  set -e
}

# Bundles for the recipes: the fixture's python, numpy and mpi4py.
recipe_bundles() {
  [ -n "$ECO_BUNDLES" ] || fail "PYBCAST_ECO_BUNDLES is not set"
  mkdir -p "$SCRATCH/bundles"
  cp "$ECO_BUNDLES"/*.tar.zst "$SCRATCH/bundles/"
  export PYTHON_MPI_PKGROOT=$SCRATCH/bundles PYTHON_MPI_CHROOT=$CHROOT
  export PYBCAST_EXAMPLES=$SRC/examples
}

# The allreduce example's verdict on rank 0 and the nodes that served ranks.
expect_allreduce_ok() {  # RANKS
  [ "$STATUS" -eq 0 ] || fail "recipe failed ($STATUS): $(tail -30 "$SCRATCH/out"; cat "$STUB_LOG")"
  grep -q "allreduce over $1 ranks: .* -> OK" "$SCRATCH/out" || fail "no OK from $1 ranks: $(cat "$SCRATCH/out")"
  grep -q '^BAD' "$STUB_LOG" && fail "a stub rejected its arguments: $(cat "$STUB_LOG")"
  return 0
}
