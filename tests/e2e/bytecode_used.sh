#!/bin/bash
# A cold node compiles nothing: with default pack bundles (they carry bytecode), 8 ranks on 4
# virtual nodes importing numpy + mpi4py load the staged .pyc of every staged
# module (asserted through module.__spec__.cached existing, and by counting
# SourceLoader.source_to_code calls, which run only when Python compiles),
# with PYTHONDONTWRITEBYTECODE=1 (Python then reads __pycache__ next to the
# staged sources) and unset (python-mpi sets PYTHONPYCACHEPREFIX and the
# bundles' .pyc are linked where that prefix looks). PYTHONUNBUFFERED is
# unset like on users' machines; each rank prints one line.
. "$(dirname "$0")/../lib/mpi.sh"
unset PYTHONUNBUFFERED
for b in python:"pack python" numpy:"pack dist numpy" mpi4py:"pack dist mpi4py"; do
  # shellcheck disable=SC2086
  "$PYBCAST" ${b#*:} --python /usr/bin/python3 -o "$PKGROOT/${b%%:*}.tar.zst" 2>/dev/null
  # shellcheck disable=SC2086
  "$PYBCAST" ${b#*:} --no-compile --python /usr/bin/python3 -o "$PKGROOT/${b%%:*}-source.tar.zst" 2>/dev/null
done
cat >"$SCRATCH/check.py" <<'PY'
import importlib._bootstrap_external as bootstrap, os, sys
compiled = []
source_to_code = bootstrap.SourceLoader.source_to_code
def counting(self, data, path, *args, **kwargs):
    if path.startswith(sys.prefix):
        compiled.append(path)
    return source_to_code(self, data, path, *args, **kwargs)
bootstrap.SourceLoader.source_to_code = counting
import numpy, mpi4py.MPI
checked, missing, linked = 0, [], 0
for module in list(sys.modules.values()):
    spec = getattr(module, "__spec__", None)
    if spec is None or not spec.cached or not (spec.origin or "").startswith(sys.prefix):
        continue
    if not os.path.realpath(spec.origin).startswith(sys.prefix):
        continue  # a symlink to the node's own system files (Debian: sitecustomize.py -> /etc/python3.11/)
    checked += 1
    if not os.path.exists(spec.cached):
        missing.append(spec.cached)
    elif os.stat(spec.cached).st_nlink > 1:
        linked += 1  # the bundle's own file, also reachable from its __pycache__
rank = mpi4py.MPI.COMM_WORLD.Get_rank()
print(f"rank {rank}: checked={checked} compiled={len(compiled)} missing={len(missing)} linked={linked} "
      f"prefix={os.environ.get('PYTHONPYCACHEPREFIX', '-')} first={(compiled + missing)[:2]}")
PY
export PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=python.tar.zst:numpy.tar.zst:mpi4py.tar.zst
export PYBCAST_VIRTUAL_NODES=4 PYBCAST_REPORT=1 OPENBLAS_NUM_THREADS=1
for mode in dont-write pycache-prefix; do
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  export PYTHON_MPI_CHROOT=$CHROOT
  if [ $mode = dont-write ]; then export PYTHONDONTWRITEBYTECODE=1; else unset PYTHONDONTWRITEBYTECODE; fi
  run_mpi 8 "$PYTHON_MPI" "$SCRATCH/check.py"
  [ "$STATUS" -eq 0 ] || fail "$mode: the job failed: $(cat "$SCRATCH/out")"
  grep -q "cache 0 hit / 4 extracted" "$SCRATCH/out" || fail "$mode: not a cold start: $(cat "$SCRATCH/out")"
  [ "$(count_matches "rank [0-7]: checked=([5-9][0-9]|[1-9][0-9]{2,}) compiled=0 missing=0 ")" -eq 8 ] ||
    fail "$mode: some rank compiled or lacked bytecode: $(grep '^rank' "$SCRATCH/out")"
  if [ $mode = pycache-prefix ]; then
    [ "$(count_matches "prefix=$CHROOT/pybcast-[0-9]+/vnode-[0-3]/pycache ")" -eq 8 ] ||
      fail "PYTHONPYCACHEPREFIX is not the node-local pycache: $(grep '^rank' "$SCRATCH/out")"
    grep -qE "[0-9,]+ .pyc of the bundles linked where PYTHONPYCACHEPREFIX looks" "$SCRATCH/out" ||
      fail "the report does not say how many .pyc were linked: $(cat "$SCRATCH/out")"
  fi
  echo "ok: $mode: 8 cold ranks on 4 nodes compiled nothing; $(grep -m1 -oE 'checked=[0-9]+' "$SCRATCH/out") staged modules each loaded their bytecode"
done
# --no-compile bundles still run (every rank compiles what it imports, in memory).
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
export PYTHONDONTWRITEBYTECODE=1 PYTHON_MPI_PACKAGES=python-source.tar.zst:numpy-source.tar.zst:mpi4py-source.tar.zst
run_mpi 8 "$PYTHON_MPI" "$SCRATCH/check.py"
[ "$STATUS" -eq 0 ] || fail "--no-compile bundles do not run: $(cat "$SCRATCH/out")"
[ "$(count_matches "rank [0-7]: checked=[0-9]+ compiled=([5-9][0-9]|[1-9][0-9]{2,}) ")" -eq 8 ] ||
  fail "with --no-compile bundles every rank should compile (the check is not blind): $(grep '^rank' "$SCRATCH/out")"
echo "ok: --no-compile bundles run; each rank compiled what it imported"
# gc removes an entry's bytecode mirror with the entry.
"$PYBCAST" gc --all --chroot "$CHROOT" >/dev/null || fail "gc failed"
leftover=$(find "$CHROOT"/pybcast-*/vnode-*/pycache -name '*.pyc' | head -3)
[ -z "$leftover" ] || fail "gc left the entries' bytecode mirrors: $leftover"
echo "ok: gc removes the bytecode mirror with its entry"
