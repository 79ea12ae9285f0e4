#!/bin/bash
# Debian's PyTorch stack from bundles, the two ways a user makes them:
#   (a) pack python + pack dist torch --deps (+ what Debian's metadata leaves
#       out of torch's requirements: numpy, typing_extensions; and mpi4py);
#   (b) pack --from-run --with-python of one run of the same imports.
# python-mpi on 4 ranks / 2 virtual nodes imports torch from the node copy,
# runs a tensor operation and an mpi4py allreduce of its result: the right
# answer on every rank. torch/lib/*.so are relative symlinks into
# /usr/lib/x86_64-linux-gnu, outside the packed set: they must not dangle.
# DataLoader workers and torch.multiprocessing.spawn children run the staged
# interpreter too.
. "$(dirname "$0")/../lib/mpi.sh"
/usr/bin/python3 -c "import torch" 2>/dev/null || skip "Debian's python3-torch is not installed"
code='import torch, mpi4py.MPI as MPI
comm = MPI.COMM_WORLD
r = comm.Get_rank()
t = torch.arange(4, dtype=torch.float64) * (r + 1)
total = comm.allreduce(float(t.sum()))
n = comm.Get_size()
verdict = "OK" if total == 6.0 * n * (n + 1) / 2 else "WRONG"
print(f"rank {r}: torch {torch.__version__} from {torch.__file__} sum {total} {verdict}")'
pack() { "$PYBCAST" "$@" 2>"$SCRATCH/pack.err" || fail "pybcast $*: $(cat "$SCRATCH/pack.err")"; }
pack pack python --python /usr/bin/python3 -o "$PKGROOT/python.tar.zst"
pack pack dist torch --deps --python /usr/bin/python3 -o "$PKGROOT/torch.tar.zst"
pack pack dist numpy typing_extensions mpi4py --python /usr/bin/python3 -o "$PKGROOT/site.tar.zst"
(cd "$SCRATCH" && pack pack --from-run --with-python -o "$PKGROOT/from-run.tar.zst" -- /usr/bin/python3 -c "$code")
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
for bundles in python.tar.zst:torch.tar.zst:site.tar.zst from-run.tar.zst; do
  export PYTHON_MPI_PACKAGES=$bundles
  run_mpi 4 "$PYTHON_MPI" -c "$code"
  [ "$STATUS" -eq 0 ] || fail "$bundles: the job failed: $(cat "$SCRATCH/out")"
  [ "$(count_matches "rank [0-3]: torch [^ ]+ from $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/[0-9a-f]{32}/[^ ]+ sum 60.0 OK")" -eq 4 ] ||
    fail "$bundles: not every rank ran torch from its node copy with the right answer: $(cat "$SCRATCH/out")"
  echo "ok: $bundles: 4 ranks on 2 virtual nodes imported torch from the node copy and agreed on the allreduce"
done

# Children of the job (issue 26): DataLoader workers (fork) and
# torch.multiprocessing.spawn run the staged interpreter from the node copy.
cat >"$SCRATCH/workers.py" <<'PY'
import os, sys, torch, torch.multiprocessing as tmp
from torch.utils.data import DataLoader, TensorDataset

def where(i, q):
    q.put(sys.prefix)

if __name__ == "__main__":
    root = os.environ["PYTHON_MPI_CHROOT"] + "/"
    loader = DataLoader(TensorDataset(torch.arange(8.0)), batch_size=2, num_workers=2)
    total = float(sum(float(b[0].sum()) for b in loader))
    q = tmp.get_context("spawn").SimpleQueue()
    tmp.spawn(where, args=(q,), nprocs=1)
    child = q.get()
    print("WORKERS", "ok" if total == 28.0 and child.startswith(root) else "BAD %s %s" % (total, child))
PY
PYTHON_MPI_PACKAGES=python.tar.zst:torch.tar.zst:site.tar.zst run_mpi 2 "$PYTHON_MPI" "$SCRATCH/workers.py"
[ "$STATUS" -eq 0 ] && [ "$(count_matches "WORKERS ok")" -eq 2 ] || fail "DataLoader workers / torch.multiprocessing.spawn: $(tail -20 "$SCRATCH/out")"
echo "ok: DataLoader workers and torch.multiprocessing.spawn children run the staged interpreter"

# scikit-learn through joblib needs `import distutils`, which setuptools'
# distutils-precedence.pth provides at start-up, before --from-run's hook runs.
if /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
  (cd "$SCRATCH" && pack pack --from-run --with-python -o "$PKGROOT/sklearn.tar.zst" -- /usr/bin/python3 -c "import sklearn")
  PYTHON_MPI_PACKAGES=sklearn.tar.zst run_mpi 2 "$PYTHON_MPI" -c 'import sklearn, sys; print("sklearn", sklearn.__file__.startswith(sys.prefix))'
  [ "$STATUS" -eq 0 ] && [ "$(count_matches "sklearn True")" -eq 2 ] || fail "sklearn from a --from-run bundle: $(cat "$SCRATCH/out")"
  echo "ok: a --from-run bundle of import sklearn runs from the node copy (its .pth files came along)"
fi
