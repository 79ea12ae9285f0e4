#!/bin/bash
# Issue 24: staging under a low `ulimit -n` (RLIMIT_NOFILE's soft limit), on
# 4 ranks and 2 virtual nodes, where GNU tar -x works. Each part ran out of
# fds before ("Too many open files"), because the caps ignored the limit:
#   1. a bundle of 400 directory pairs with bytecode (the directory-fd cache
#      held up to 256 fds, the writer pool at least 16; the bytecode mirror is
#      linked too) at 64, 128 and 256, where tar -x works at 64;
#   2. the demo stack (pack of Debian's python3.11, numpy, mpi4py, with their
#      bytecode) at 256, staged and then imported by python-mpi;
#   3. 1,100 tiny bundles at 1024 (rank 0 kept every bundle file open).
# Every run must exit 0 and give the tree tar -x gives (3: every file).
# Below what MPI and staging need at least, every rank fails saying so.
. "$(dirname "$0")/../lib/mpi.sh"
command -v prlimit >/dev/null || skip "needs prlimit (util-linux)"

# under LIMIT CMD...: CMD with RLIMIT_NOFILE's soft limit at LIMIT (the hard one unchanged).
under() {
  local limit=$1
  shift
  prlimit --nofile="$limit": "$@"
}
# stage_under LIMIT BUNDLES...: 4 ranks on 2 virtual nodes into a fresh CHROOT,
# every rank at that limit; output in $SCRATCH/out, status in $STATUS.
stage_under() {
  local limit=$1
  shift
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  run_mpi 4 prlimit --nofile="$limit": "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 2 "$@"
  [ "$STATUS" -eq 0 ] ||
    fail "ulimit -n $limit, $# bundles ($1 ...): exit $STATUS: $(grep -m3 -E 'error|Too many' "$SCRATCH/out" | cut -c1-400)"
}
# listing DIR: tree_listing without the mtimes of directories (where bundles
# share a directory, tar -x leaves it the time of extraction).
listing() {
  tree_listing "$1" | awk '$2 == "d" { $NF = "" } 1'
}
# expect_tree_of DIR: both virtual nodes' entries list like DIR (tar -x's tree, as published).
expect_tree_of() {
  local g
  listing "$1" >"$SCRATCH/expected"
  for g in 0 1; do
    listing "$(vnode_prefix $g)" >"$SCRATCH/got"
    diff -q "$SCRATCH/expected" "$SCRATCH/got" >/dev/null ||
      fail "virtual node $g differs from tar -x: $(diff "$SCRATCH/expected" "$SCRATCH/got" | head -5)"
  done
}

# 1. 400 directory pairs, each a package and its __pycache__, below a few levels.
python3 - "$PKGROOT/pairs.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as tar:
    def add(name, data=None):
        info = tarfile.TarInfo(name)
        info.mtime = 1700000000
        if data is None:
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        else:
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    for d in ("lib", "lib/python3", "lib/python3/site-packages"):
        add(d)
    for i in range(400):
        pkg = f"lib/python3/site-packages/p{i:03d}"
        add(pkg)
        add(f"{pkg}/__init__.py", f"X = {i}\n".encode())
        add(f"{pkg}/__pycache__")
        add(f"{pkg}/__pycache__/__init__.cpython-311.pyc", bytes(16) + f"{i}".encode())
PY
for limit in 64 128 256; do
  mkdir "$SCRATCH/tar-$limit"
  under "$limit" tar -xf "$PKGROOT/pairs.tar.gz" -C "$SCRATCH/tar-$limit" || fail "tar -x failed at ulimit -n $limit"
done
as_published "$SCRATCH/tar-64"
# MPI's own fds count against the same limit: Open MPI holds 17 after
# MPI_Init here, MPICH (ch4:ucx) 29, so under MPICH the lowest limit is 12 higher.
low=64
[ "$PYBCAST_MPI" != mpich ] || low=76
for limit in $low 128 256; do
  stage_under "$limit" pairs.tar.gz
  expect_tree_of "$SCRATCH/tar-64"
  linked=$(find "$CHROOT"/pybcast-*/vnode-1/pycache -name '*.pyc' | wc -l)
  [ "$linked" -eq 400 ] || fail "ulimit -n $limit: $linked of 400 .pyc linked into the bytecode mirror"
  echo "ok: 400 directory pairs at ulimit -n $limit (tar -x works at 64): the tree of tar -x, 400 .pyc mirrored"
done

rm -rf "$CHROOT" && mkdir -p "$CHROOT"
run_mpi 4 prlimit --nofile=40: "$PYBCAST" stage --chroot "$CHROOT" --pkgroot "$PKGROOT" --virtual-nodes 2 pairs.tar.gz
expect_failure_everywhere 4 "RLIMIT_NOFILE is 40; staging needs at least "
grep -q 'raise `ulimit -n`' "$SCRATCH/out" || fail "no advice: $(grep -m1 error "$SCRATCH/out")"
expect_clean_cache
echo "ok: at ulimit -n 40 every rank fails: $(grep -m1 -o 'RLIMIT_NOFILE.*' "$SCRATCH/out")"

# 2. The demo stack at 256 (demo/run-demo.sh packs it so): staged like tar -x,
# then imported by python-mpi.
dists=(numpy)
[ "$PYBCAST_MPI" != openmpi ] || dists+=(mpi4py)  # Debian's mpi4py is built against Open MPI
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python.tar.zst" 2>/dev/null
"$PYBCAST" pack dist "${dists[@]}" --python /usr/bin/python3 -o "$PKGROOT/site.tar.zst" 2>/dev/null
mkdir "$SCRATCH/stack"
for b in python.tar.zst site.tar.zst; do
  under 256 tar --zstd -xf "$PKGROOT/$b" -C "$SCRATCH/stack" || fail "tar -x of $b failed at ulimit -n 256"
done
as_published "$SCRATCH/stack"
stage_under 256 python.tar.zst site.tar.zst
expect_tree_of "$SCRATCH/stack"
echo "ok: the demo stack (python, ${dists[*]}) at ulimit -n 256: the tree of tar -x"
export OPENBLAS_NUM_THREADS=1 PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2
export PYTHON_MPI_PACKAGES=python.tar.zst:site.tar.zst
import=numpy
[ "$PYBCAST_MPI" != openmpi ] || import+=", mpi4py.MPI"
run_mpi 4 prlimit --nofile=256: "$PYTHON_MPI" -c "import $import; print('imported')"
[ "$STATUS" -eq 0 ] && [ "$(count_matches imported)" -eq 4 ] ||
  fail "python-mpi at ulimit -n 256: exit $STATUS: $(grep -m3 -E 'error|Too many' "$SCRATCH/out")"
echo "ok: python-mpi imports $import on 4 ranks at ulimit -n 256"
unset PYTHON_MPI_CHROOT PYTHON_MPI_PKGROOT PYTHON_MPI_PACKAGES PYBCAST_VIRTUAL_NODES

# 3. 1,100 tiny bundles at 1024: more than the limit, so rank 0 reopens those
# beyond its share at their turn (and checks each is the file it opened).
rm -f "$PKGROOT"/*
python3 - "$PKGROOT" <<'PY'
import io, sys, tarfile
for i in range(1100):
    with tarfile.open(f"{sys.argv[1]}/b{i:04d}.tar.gz", "w:gz") as tar:
        data = f"{i}\n".encode()
        info = tarfile.TarInfo(f"share/b{i:04d}.txt")
        info.size, info.mtime = len(data), 1700000000
        tar.addfile(info, io.BytesIO(data))
PY
# One --packages list, not 1,100 arguments: MPICH's Hydra (4.0.2) crashes
# (SIGSEGV) on a command line of about a thousand arguments.
packages=$(seq -f 'b%04g.tar.gz' 0 1099 | paste -sd:)
stage_under 1024 --packages "$packages"
for g in 0 1; do
  prefix=$(vnode_prefix $g)
  got=$(find "$prefix/share" -name 'b*.txt' | wc -l)
  [ "$got" -eq 1100 ] || fail "virtual node $g: $got of 1100 files"
  [ "$(cat "$prefix/share/b1099.txt")" = 1099 ] || fail "virtual node $g: wrong content in b1099.txt"
done
echo "ok: 1,100 bundles at ulimit -n 1024: every file on both virtual nodes, $(printf '%.1f' "$ELAPSED") s"
