#!/bin/bash
# Debian's PyTorch stack from bundles, the two ways a user makes them:
#   (a) pack python + pack dist torch --deps (+ what Debian's metadata leaves
#       out of torch's requirements: numpy, typing_extensions; and mpi4py),
#       packed once by the fixture torch_bundles (make_torch_bundles.sh);
#   (b) pack --from-run --with-python of one run of the same imports (and of
#       scikit-learn's where it is installed).
# python-mpi on 4 ranks / 2 virtual nodes imports torch from the node copy,
# runs a tensor operation and an mpi4py allreduce of its result: the right
# answer on every rank. torch/lib/*.so are relative symlinks into
# /usr/lib/x86_64-linux-gnu, outside the packed set: they must not dangle.
# Then (a) as one image bundle (issue 29, `pack image`, made by the fixture):
# the same code on 4 ranks / 2 virtual nodes, every rank's prefix a mount (its
# st_dev differs from its parent directory's) holding the torch it imported,
# the rank lines identical to the tar run's but for the cache key, nothing
# extracted and no mount left after the job.
# DataLoader workers and torch.multiprocessing.spawn children run the staged
# interpreter too ((a), one rank per node). scikit-learn imports from (b)'s
# node copy.
# Relies on neither PYTHONUNBUFFERED nor PYTHONDONTWRITEBYTECODE (the shell
# exports both): each rank's output goes to its own file (run_mpi), and no
# line compared depends on bytecode.
. "$(dirname "$0")/../lib/mpi.sh"
/usr/bin/python3 -c "import torch" 2>/dev/null || skip "Debian's python3-torch is not installed"
TORCH_BUNDLES=${PYBCAST_TORCH_BUNDLES:?the torch_bundles fixture (make_torch_bundles.sh)}
# A seeded random matrix's log-determinant: a float that any difference in
# the torch, numpy or BLAS a rank loaded would likely change.
code='import os, sys, torch, mpi4py.MPI as MPI
comm = MPI.COMM_WORLD
r = comm.Get_rank()
t = torch.arange(4, dtype=torch.float64) * (r + 1)
total = comm.allreduce(float(t.sum()))
n = comm.Get_size()
verdict = "OK" if total == 6.0 * n * (n + 1) / 2 else "WRONG"
x = torch.randn(16, 16, generator=torch.Generator().manual_seed(r), dtype=torch.float64)
logdet = float(torch.linalg.slogdet(x @ x.T).logabsdet)
print(f"rank {r}: torch {torch.__version__} from {torch.__file__} sum {total} {verdict} logdet {logdet!r}")
dev = lambda p: os.stat(p).st_dev
print(f"rank {r}: prefix mounted {dev(sys.prefix) != dev(os.path.dirname(sys.prefix))}, torch on it {dev(torch.__file__) == dev(sys.prefix)}")
if sys.argv[1:] == ["sklearn"]:
    import sklearn
    print(f"rank {r}: sklearn from the prefix {sklearn.__file__.startswith(sys.prefix)}")'
# (a) and the image run the same code as a script, job.py, so that its
# argument "workers" can also check the job's children (issue 26) on one rank
# of each node: DataLoader workers (fork) and torch.multiprocessing.spawn run
# the staged interpreter from the node copy.
{
  cat <<'PY'
import os, sys, torch

def where(i, q):
    q.put(sys.prefix)

def children():
    import torch.multiprocessing as tmp
    from torch.utils.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(torch.arange(8.0)), batch_size=2, num_workers=2)
    total = float(sum(float(b[0].sum()) for b in loader))
    q = tmp.get_context("spawn").SimpleQueue()
    tmp.spawn(where, args=(q,), nprocs=1)
    child = q.get()
    return "ok" if total == 28.0 and child.startswith(os.environ["PYTHON_MPI_CHROOT"] + "/") else f"BAD {total} {child}"

if __name__ == "__main__":
PY
  sed 's/^/    /' <<<"$code"
  cat <<'PY'
    if sys.argv[1:] == ["workers"] and r % 2 == 0:
        print(f"rank {r}: WORKERS {children()}")
PY
} >"$SCRATCH/job.py"
pack() { "$PYBCAST" "$@" 2>"$SCRATCH/pack.err" || fail "pybcast $*: $(cat "$SCRATCH/pack.err")"; }
cp "$TORCH_BUNDLES"/python.tar.zst "$TORCH_BUNDLES"/torch.tar.zst "$TORCH_BUNDLES"/site.tar.zst "$PKGROOT/"
# (b) imports scikit-learn too where it is installed: through joblib it needs
# `import distutils`, which setuptools' distutils-precedence.pth provides at
# start-up, before --from-run's hook runs (its .pth files must come along).
sklearn=()
if /usr/bin/python3 -c "import sklearn" 2>/dev/null; then sklearn=(sklearn); fi
(cd "$SCRATCH" && pack pack --from-run --with-python -o "$PKGROOT/from-run.tar.zst" -- /usr/bin/python3 -c "$code" "${sklearn[@]}")
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# The rank lines of the last run, escape codes stripped, the cache key made KEY.
rank_lines() {
  grep -aE "^rank [0-3]: torch " "$SCRATCH/out" | sed -E 's/\x1b\[[0-9;]*m//g; s|/cache/[0-9a-f]{32}/|/cache/KEY/|' | sort
}
for bundles in python.tar.zst:torch.tar.zst:site.tar.zst from-run.tar.zst; do
  export PYTHON_MPI_PACKAGES=$bundles
  if [ "$bundles" = from-run.tar.zst ]; then
    args=("${sklearn[@]}")
    run_mpi 4 "$PYTHON_MPI" -c "$code" "${args[@]}"
  else
    args=()
    run_mpi 4 "$PYTHON_MPI" "$SCRATCH/job.py" workers
  fi
  [ "$STATUS" -eq 0 ] || fail "$bundles: the job failed: $(cat "$SCRATCH/out")"
  [ "$(count_matches "rank [0-3]: torch [^ ]+ from $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/[0-9a-f]{32}/[^ ]+ sum 60.0 OK logdet [0-9.e+-]+")" -eq 4 ] ||
    fail "$bundles: not every rank ran torch from its node copy with the right answer: $(cat "$SCRATCH/out")"
  # The probe tells an extracted prefix from a mount (the image run needs it to).
  [ "$(count_matches "rank [0-3]: prefix mounted False, torch on it True")" -eq 4 ] ||
    fail "$bundles: an extracted prefix taken for a mount: $(cat "$SCRATCH/out")"
  [ ${#args[@]} -eq 0 ] || [ "$(count_matches "rank [0-3]: sklearn from the prefix True")" -eq 4 ] ||
    fail "$bundles: sklearn from a --from-run bundle: $(cat "$SCRATCH/out")"
  if [ "$bundles" != from-run.tar.zst ]; then
    [ "$(count_matches "rank [02]: WORKERS ok")" -eq 2 ] ||
      fail "DataLoader workers / torch.multiprocessing.spawn: $(tail -20 "$SCRATCH/out")"
    echo "ok: DataLoader workers and torch.multiprocessing.spawn children run the staged interpreter"
    rank_lines >"$SCRATCH/tar.lines"
  fi
  echo "ok: $bundles: 4 ranks on 2 virtual nodes imported torch from the node copy and agreed on the allreduce"
done

# (a) as one image bundle, from the bundles above (issue 29).
if [ -f "$TORCH_BUNDLES/torch.sqfs" ] && command -v squashfuse_ll >/dev/null; then
  cp "$TORCH_BUNDLES/torch.sqfs" "$PKGROOT/"
  PYTHON_MPI_PACKAGES=torch.sqfs run_mpi 4 "$PYTHON_MPI" "$SCRATCH/job.py"
  [ "$STATUS" -eq 0 ] || fail "torch.sqfs: the job failed: $(cat "$SCRATCH/out")"
  [ "$(count_matches "rank [0-3]: prefix mounted True, torch on it True")" -eq 4 ] ||
    fail "torch.sqfs: not every rank imported torch from a mounted prefix: $(cat "$SCRATCH/out")"
  rank_lines | diff "$SCRATCH/tar.lines" - >"$SCRATCH/diff" ||
    fail "torch.sqfs: the rank lines differ from the tar bundles': $(cat "$SCRATCH/diff")"
  # The mount ends with its node leader (its server is sent SIGTERM then): shortly after mpirun.
  for _ in $(seq 50); do [ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 0 ] && break; sleep 0.1; done
  [ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 0 ] || fail "torch.sqfs: a mount is left: $(grep " $CHROOT" /proc/self/mountinfo)"
  for g in 0 1; do
    images=("$CHROOT"/pybcast-*/vnode-"$g"/images/*/image.sqfs)
    [ ${#images[@]} -eq 1 ] && [ -f "${images[0]}" ] || fail "torch.sqfs: vnode $g holds images ${images[*]}"
    # The image's entry is left empty once unmounted: nothing of it was extracted on the node.
    key=$(basename "$(dirname "${images[0]}")")
    [ -z "$(ls -A "$CHROOT"/pybcast-*/vnode-"$g"/cache/"$key")" ] || fail "torch.sqfs: files extracted on vnode $g"
  done
  echo "ok: torch.sqfs: 4 ranks on 2 virtual nodes imported torch from the mounted image, the same lines as the tar bundles"
else
  echo "note: no image run (squashfs-tools-ng or squashfuse missing)"
fi
