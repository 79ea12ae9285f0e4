#!/bin/bash
# A real stack as a directory (issue 15): a venv of Debian's python3 made
# with --system-site-packages, named alone in PYTHON_MPI_PACKAGES, imports
# Debian's torch and numpy (the base's dist-packages, staged with the venv)
# on 4 ranks / 2 virtual nodes, every module from the node-local copy; the
# second job step is a hit that opens no file of the base's site directory
# (rank 0 runs the venv's python once, with -S, to learn its base: that reads
# a few files of the base's standard library, nothing of its site directories).
. "$(dirname "$0")/../lib/mpi.sh"
PY=/usr/bin/python3
"$PY" -c 'import torch' 2>/dev/null || skip "Debian's python3-torch is not installed"
"$PY" -c 'import venv' 2>/dev/null || skip "$PY has no venv"
"$PY" -m venv --without-pip --system-site-packages "$PKGROOT/venv"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PACKAGES=$PKGROOT/venv PYBCAST_VIRTUAL_NODES=2 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
code='
import os, sys, torch, numpy
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
off = [m.__name__ for m in (os, torch, numpy) if not m.__file__.startswith(root)]
print("VENVSTACK", "ok" if not off else "OFF-NODE %s" % off, torch.__version__, float(torch.ones(3).sum()))'
run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "cold job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'VENVSTACK ok [^ ]+ 3.0')" -eq 4 ] || fail "not every rank ran torch from the stage: $(grep -a VENVSTACK "$SCRATCH/out")"
grep -q "dangling symlink(s), kept as they are" "$SCRATCH/out" || true  # Debian's torch has a few; one line if so
[ "$(grep -c 'dangling symlink' "$SCRATCH/out")" -le 1 ] || fail "dangling symlinks reported more than once"
echo "ok: a --system-site-packages venv alone runs Debian's torch on 4 ranks / 2 virtual nodes from node-local copies"
log=$SCRATCH/warm.log
STRACE_OPTS="-e trace=openat" strace_mpi "$log" 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] && [ "$(count_matches 'VENVSTACK ok')" -eq 4 ] || fail "warm job: $(tail -20 "$SCRATCH/out")"
opened=$(grep -E '"/usr/lib/python3/dist-packages/[^"]*"' "$log" | grep -v O_DIRECTORY | grep -vE '= -1 ' || true)
[ -z "$opened" ] || fail "the warm step opened files of the base's site directory: $(echo "$opened" | head -3)"
echo "ok: warm step: no file of /usr/lib/python3/dist-packages opened"

# A venv of a real non-Debian interpreter (pyenv's, built --enable-shared with
# absolute RUNPATHs), where the machine has one: it runs alone, its stdlib,
# extension modules and libpython from the stage.
pyroot=$(pyenv root 2>/dev/null || true)
base=$(ls -d "${pyroot:-/nonexistent}"/versions/3.1[0-9].*/bin/python3 2>/dev/null | head -1 || true)
if [ -z "$base" ]; then
  echo "ok: (no pyenv Python here: its part skipped)"
  exit 0
fi
"$base" -m venv --without-pip "$PKGROOT/pyenv-venv"
code='
import os, sys, json, ssl, sqlite3
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
off = [m.__name__ for m in (json, ssl, sqlite3) if not m.__file__.startswith(root)] + ([] if sys.prefix.startswith(root) else ["sys.prefix"])
print("PYENVVENV", "ok" if not off else "OFF-NODE %s" % off, sys.version.split()[0])'
PYTHON_MPI_PACKAGES=$PKGROOT/pyenv-venv run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "pyenv venv job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'PYENVVENV ok')" -eq 4 ] || fail "pyenv venv: $(grep -a PYENVVENV "$SCRATCH/out")"
echo "ok: a venv of $base runs alone from node-local copies on 4 ranks / 2 virtual nodes"
