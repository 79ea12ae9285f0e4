#!/bin/bash
# Warm caches (issue 28) on 4 pretend hosts x 2 ranks, each host with its own
# /dev/shm at the same path (as real nodes): a script of Numba functions
# (@njit(cache=True): one common to all, one chosen by the host) that imports
# matplotlib.pyplot, from a --from-run stack of Debian's Python.
#   job 1, fresh nodes, --save-caches: every node compiles (Numba's dispatcher
#     statistics: a miss), matplotlib finds no font cache; the bundle holds the
#     four hosts' own functions (one harvest from 4 nodes that compiled
#     different functions);
#   job 2, fresh nodes again (the hosts' /dev/shm wiped), --caches: every rank
#     hits for both functions, misses nothing, finds the font cache;
#   a job in which one rank fails writes no bundle, with and without --no-abort.
# PYTHONDONTWRITEBYTECODE unset, as users have it (Numba's cache does not care).
. "$(dirname "$0")/hosts_lib.sh"
unset PYTHONDONTWRITEBYTECODE
/usr/bin/python3 -c 'import numba, matplotlib, mpi4py' 2>/dev/null || skip "Debian's python3-numba, python3-matplotlib or python3-mpi4py missing"
cat >"$SCRATCH/job.py" <<'PY'
import glob, os, socket, sys
fonts_before = bool(glob.glob(os.path.join(os.environ.get("MPLCONFIGDIR", "/nonexistent"), "fontlist-*.json")))
from numba import njit

@njit(cache=True)
def common(n):
    return sum([i * i for i in range(n)])

@njit(cache=True)
def f0(n): return n + 0
@njit(cache=True)
def f1(n): return n + 1.5
@njit(cache=True)
def f2(n): return n * 2
@njit(cache=True)
def f3(n): return n * 3.5

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
from mpi4py import MPI
host = socket.gethostname()
mine = (f0, f1, f2, f3)[int(host[-1]) if host[-1].isdigit() else 0]
common(10), mine(7)
def stats(f):
    return sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values())
print(f"WARM rank {MPI.COMM_WORLD.rank} host {host} common {stats(common)} mine {stats(mine)} fonts {fonts_before}", flush=True)
if MPI.COMM_WORLD.rank == int(os.environ.get("FAIL_RANK", -1)):
    sys.exit(3)
PY
"$PYBCAST" pack --from-run --with-python -o "$PKGROOT/stack.tar.zst" -- /usr/bin/python3 "$SCRATCH/job.py" \
  >"$SCRATCH/pack.out" 2>&1 || fail "pack --from-run: $(cat "$SCRATCH/pack.out")"

up_or_skip 4 --slots 2
export PYTHON_MPI_CHROOT=/dev/shm PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=stack.tar.zst PYBCAST_REPORT=1
forward=(-x PYTHON_MPI_CHROOT -x PYTHON_MPI_PKGROOT -x PYTHON_MPI_PACKAGES -x PYBCAST_REPORT -x FAIL_RANK)
fresh_nodes() { for h in "${PBH_HOSTS[@]}"; do rm -rf "$(hosts_shm "$h")"/pybcast-*; done; }
warm() { grep -aE "WARM rank" "$SCRATCH/out" | sed 's/\x1b\[[0-9;]*m//g'; }
saved=$SCRATCH/caches.tar.zst

# Job 1: cold. Two ranks of a node compile at once, so the second may find
# the first's entry: every node misses, no rank finds a font cache.
run_hosts "${forward[@]}" "$PYTHON_MPI" --save-caches "$saved" "$SCRATCH/job.py"
[ "$STATUS" -eq 0 ] || fail "job 1 failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(warm | wc -l)" -eq 8 ] || fail "job 1: not 8 ranks: $(cat "$SCRATCH/out")"
for h in 0 1 2 3; do
  warm | grep -E "host pbh$h common \([0-9]+, [1-9]" | grep -qE "mine \([0-9]+, [1-9]" ||
    fail "job 1: no miss on pbh$h: $(warm)"
done
[ "$(warm | grep -c "fonts False")" -eq 8 ] || fail "job 1: a fresh node had a font cache: $(warm)"
expect_out "saved the runtime caches to $saved"
grep -qE "cache numba: gained [0-9]+ files? \(.*\) during the job on 4 of 4 nodes, saved" "$SCRATCH/out" ||
  fail "--report does not say what numba's cache gained on the 4 nodes: $(cat "$SCRATCH/out")"
listing=$(zstd -dc "$saved" | tar -tf -) || fail "the saved bundle is not a tar.zst"
for f in common f0 f1 f2 f3; do
  grep -qE "^\.pybcast/caches/numba/.*job\.$f-[0-9]+\.py3[0-9]+\.nbi$" <<<"$listing" ||
    fail "the bundle lacks $f's index (harvest from 4 nodes): $listing"
done
grep -qE '^\.pybcast/caches/matplotlib/fontlist-v[0-9]+\.json$' <<<"$listing" || fail "no font cache saved: $listing"
"$PYBCAST" inspect "$saved" >"$SCRATCH/inspect.out" 2>&1 || fail "inspect: $(cat "$SCRATCH/inspect.out")"
grep -qE "numba: +[0-9]+ files.*NUMBA_CACHE_DIR" "$SCRATCH/inspect.out" || fail "inspect shows no numba kind: $(cat "$SCRATCH/inspect.out")"

# Job 2: fresh nodes, the saved caches: nothing compiled, no font cache built.
fresh_nodes
run_hosts "${forward[@]}" "$PYTHON_MPI" --caches "$saved" "$SCRATCH/job.py"
[ "$STATUS" -eq 0 ] || fail "job 2 failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(warm | grep -cE "common \(1, 0\) mine \(1, 0\) fonts True")" -eq 8 ] ||
  fail "job 2: not every rank hit both functions with the font cache there: $(warm)"
expect_out "(staged from caches.tar.zst:" "the report does not say what was staged"
if grep -q "Matplotlib is building the font cache" "$SCRATCH/out"; then fail "job 2 built the font cache"; fi

# A failing job writes nothing, whether the others are aborted or run on.
for no_abort in 0 1; do
  fresh_nodes
  FAIL_RANK=5 PYBCAST_NO_ABORT=$no_abort run_hosts "${forward[@]}" -x PYBCAST_NO_ABORT "$PYTHON_MPI" \
    --save-caches "$SCRATCH/failed.tar.zst" "$SCRATCH/job.py"
  [ "$STATUS" -ne 0 ] || fail "a job with a failing rank exited 0 (no-abort $no_abort)"
  [ -z "$(ls "$SCRATCH" | grep failed)" ] || fail "a failing job wrote $(ls "$SCRATCH" | grep failed)"
done

finish_hosts
echo "ok: warm caches on 4 pretend hosts x 2: job 1 compiled and saved $(stat -c %s "$saved") bytes, job 2 hit on every rank"
