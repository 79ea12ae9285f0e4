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

# A plain venv of Debian's python3.11 (no system site-packages) with a module
# of its own: Debian's site.py searches lib/python3.11/site-packages only
# while a venv is active, so the staged copy must stay one (issue 25).
/usr/bin/python3.11 -m venv --without-pip "$PKGROOT/plain-venv"
echo 'VALUE = "plain"' >"$PKGROOT/plain-venv/lib/python3.11/site-packages/pbmine.py"
code='
import os, sys, pbmine
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
off = [m.__name__ for m in (os, pbmine) if not m.__file__.startswith(root)] + ([] if sys.prefix.startswith(root) else ["sys.prefix"])
print("PLAINVENV", "ok" if not off else "OFF-NODE %s" % off, pbmine.VALUE, sys.prefix != sys.base_prefix)'
PYTHON_MPI_PACKAGES=$PKGROOT/plain-venv run_mpi 4 "$PYTHON_MPI" -c "$code"
[ "$STATUS" -eq 0 ] || fail "plain Debian venv: job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'PLAINVENV ok plain True')" -eq 4 ] || fail "plain Debian venv: $(grep -a PLAINVENV "$SCRATCH/out")"
echo "ok: a plain venv of Debian's python3.11 imports its own module from node-local copies on 4 ranks / 2 virtual nodes"

# A --system-site-packages venv with its own copy of a package the system
# also has: Python's rule is per directory on sys.path, so the venv's copy
# shadows the system's whole (the venv's lacks packaging/tags.py, which the
# system's has: importing it fails, as it does when the venv runs in place).
sys_pkg=/usr/lib/python3/dist-packages/packaging
if [ -f "$sys_pkg/tags.py" ]; then
  "$PY" -m venv --without-pip --system-site-packages "$PKGROOT/override-venv"
  cp -r "$sys_pkg" "$PKGROOT/override-venv/lib/python3.11/site-packages/"
  rm "$PKGROOT/override-venv/lib/python3.11/site-packages/packaging/tags.py"
  echo 'PB_COPY = "venv"' >>"$PKGROOT/override-venv/lib/python3.11/site-packages/packaging/__init__.py"
  code='
import os, packaging
try:
    import packaging.tags
    tags = "tags-found"
except ImportError:
    tags = "no-tags"
print("OVERRIDE", getattr(packaging, "PB_COPY", "system"), tags, packaging.__file__.startswith(os.environ.get("PYTHON_MPI_CHROOT", "/nonexistent") + "/"))'
  direct=$(PYTHONDONTWRITEBYTECODE=1 "$PKGROOT/override-venv/bin/python3" -c "$code")
  [ "$direct" = "OVERRIDE venv no-tags False" ] || fail "the fixture does not shadow as expected when run in place: $direct"
  PYTHON_MPI_PACKAGES=$PKGROOT/override-venv run_mpi 4 "$PYTHON_MPI" -c "$code"
  [ "$STATUS" -eq 0 ] || fail "override venv: job failed: $(tail -20 "$SCRATCH/out")"
  [ "$(count_matches 'OVERRIDE venv no-tags True')" -eq 4 ] ||
    fail "the venv's packaging is not imported whole, as in place: $(grep -a OVERRIDE "$SCRATCH/out")"
  echo "ok: a system-site venv's own packaging shadows the system's whole, as in place ($direct)"
fi

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
