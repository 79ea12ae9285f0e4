#!/bin/bash
# examples/cray-aprun.pbs, the seed's Edison job script with its environment
# verbatim, through stub qsub/aprun. Its bundles exist under the seed's names
# (pyton-2.7.9.tar.gz sic, numpy-1.9.2.tar.gz, ...) with the seed's 2.7.9/ top
# directory, made from the e2e fixture; PYBCAST_PKGROOT stands in for the
# seed's /project path (PYBCAST_* wins over PYTHON_MPI_*). The stub gives the
# "compute nodes" a private /dev/shm, so PYTHONHOME=/dev/shm/2.7.9 and
# PYTHON_MPI_CHROOT=/dev/shm are used as written.
. "$(dirname "$0")/lib.sh"
[ -n "$PY_BUNDLES" ] || fail "PYBCAST_PYTHON_BUNDLES is not set"
command -v unshare >/dev/null || skip "unshare (util-linux) is not available"
unshare --mount true 2>/dev/null || skip "cannot make mount namespaces here"
shared=$SCRATCH/project
mkdir -p "$shared" "$SCRATCH/tree" "$SCRATCH/node-shm" "$SCRATCH/my_codedir"
reseed() {  # FIXTURE-BUNDLE SEED-NAME: the same members under 2.7.9/ instead of 3.11/
  rm -rf "$SCRATCH/tree"/* && tar -xzf "$PY_BUNDLES/seed/$1" -C "$SCRATCH/tree"
  tar -czf "$shared/$2" -C "$SCRATCH/tree" --transform 's,^3\.11,2.7.9,' 3.11
}
reseed python-3.11.tar.gz pyton-2.7.9.tar.gz
reseed numpy.tar.gz numpy-1.9.2.tar.gz
reseed mpi4py.tar.gz mpi4py-1.3.1.tar.gz
for placeholder in matplotlib-1.4.3 scipy-0.15.1; do
  rm -rf "$SCRATCH/tree"/* && mkdir -p "$SCRATCH/tree/2.7.9/lib/python3/dist-packages/${placeholder%-*}"
  echo "# placeholder for the seed's $placeholder bundle" >"$SCRATCH/tree/2.7.9/lib/python3/dist-packages/${placeholder%-*}/__init__.py"
  tar -czf "$shared/$placeholder.tar.gz" -C "$SCRATCH/tree" 2.7.9
done
cp "$SRC/examples/allreduce_numpy.py" "$SCRATCH/my_codedir/script.py"
export PYBCAST_PKGROOT=$shared STUB_NODE_SHM=$SCRATCH/node-shm
cd "$SCRATCH"
run_recipe qsub "$SRC/examples/cray-aprun.pbs"
expect_allreduce_ok 8
grep -q "^JOB qsub hosts=11 procs=24 width=256 " "$STUB_LOG" || fail "qsub did not read mppwidth: $(cat "$STUB_LOG")"
grep -q "^RUN aprun ranks=256 nodes=11 -> mpirun -n 8, 8 virtual nodes: python-mpi script.py" "$STUB_LOG" ||
  fail "aprun not as expected: $(cat "$STUB_LOG")"
[ "$(count_matches "rank [0-7]: sys.prefix=/dev/shm/pybcast-[0-9]+/vnode-[0-7]/cache/[0-9a-f]{32}/2.7.9")" -eq 8 ] ||
  fail "PYTHONHOME=/dev/shm/2.7.9 not mapped into the stage: $(cat "$SCRATCH/out")"
[ "$(ls -d "$SCRATCH"/node-shm/pybcast-*/vnode-*/cache/*/2.7.9/lib/python3.11/os.py | wc -l)" -eq 8 ] ||
  fail "not staged into the nodes' /dev/shm: $(ls -R "$SCRATCH/node-shm" | head)"
echo "ok: the seed's aprun job script, environment verbatim, stages and runs (8 ranks on 8 virtual nodes)"
