#!/bin/bash
# Children of a python-mpi job get the environment they would get from the
# user's shell (issue 26): a pyenv Python of another version and env(1) run
# and exit 0 (no PYTHONHOME, no PYTHONHASHSEED of python-mpi's), while the
# job's own children, sys.executable and multiprocessing (spawn, fork,
# forkserver), still run the staged interpreter, found from its own path.
. "$(dirname "$0")/../lib/mpi.sh"
for b in "${PY_STACK[@]}"; do cp "$PY_BUNDLES/prefix/$b" "$PKGROOT/"; done
pyroot=$(pyenv root 2>/dev/null || true)
other=$(ls -d "${pyroot:-/nonexistent}"/versions/3.1[02]*/bin/python3.1[02] 2>/dev/null | head -1 || true)
[ -n "$other" ] || other=/usr/bin/env  # no other Python here: env(1) twice
cat >"$SCRATCH/children.py" <<'PY'
import multiprocessing as mp
import os, subprocess, sys

def where(q):
    q.put(sys.prefix)

def spawned(method):
    ctx = mp.get_context(method)
    q = ctx.Queue()
    p = ctx.Process(target=where, args=(q,))
    p.start()
    prefix = q.get(timeout=60)
    p.join()
    return prefix

if __name__ == "__main__":
    root = os.environ["PYTHON_MPI_CHROOT"] + "/"
    other = subprocess.run([sys.argv[1], "-c", "import sys; print(sys.prefix)"] if "python" in sys.argv[1] else [sys.argv[1]],
                           capture_output=True, text=True)
    env = subprocess.run(["/usr/bin/env"], capture_output=True, text=True)
    own = subprocess.run([sys.executable, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True)
    prefixes = {m: spawned(m) for m in ("spawn", "fork", "forkserver")}
    bad = []
    if other.returncode != 0 or other.stdout.startswith(root):
        bad.append("other python: %d %s" % (other.returncode, (other.stdout + other.stderr).strip()[-200:]))
    if env.returncode != 0 or "PYTHONHOME=" in env.stdout or "PYTHONHASHSEED=" in env.stdout:
        bad.append("env: " + " ".join(l for l in env.stdout.splitlines() if l.startswith(("PYTHONHOME", "PYTHONHASHSEED"))))
    if own.returncode != 0 or not own.stdout.startswith(root):
        bad.append("sys.executable: %s" % (own.stdout + own.stderr).strip()[-200:])
    bad += ["%s: %s" % (m, p) for m, p in prefixes.items() if not p.startswith(root)]
    if "PYTHONHOME" in os.environ or not sys.prefix.startswith(root):
        bad.append("this process: PYTHONHOME=%s prefix %s" % (os.environ.get("PYTHONHOME"), sys.prefix))
    print("CHILDREN", "ok" if not bad else "BAD %s" % bad)
PY
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=$PY_STACK_PACKAGES PYBCAST_VIRTUAL_NODES=2
unset PYTHONHOME PYTHONHASHSEED
run_mpi 2 "$PYTHON_MPI" "$SCRATCH/children.py" "$other"
[ "$STATUS" -eq 0 ] || fail "job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'CHILDREN ok')" -eq 2 ] || fail "children: $(grep -a CHILDREN "$SCRATCH/out")"
echo "ok: children: $other and env(1) without python-mpi's PYTHONHOME/PYTHONHASHSEED; sys.executable, spawn, fork, forkserver staged"

# A PYTHONHASHSEED the user set reaches children as set.
PYTHONHASHSEED=7 run_mpi 2 "$PYTHON_MPI" -c '
import subprocess
out = subprocess.run(["/usr/bin/env"], capture_output=True, text=True).stdout
print("SEED", [l for l in out.splitlines() if l.startswith("PYTHONHASHSEED=")])'
[ "$STATUS" -eq 0 ] && [ "$(count_matches "SEED \['PYTHONHASHSEED=7'\]")" -eq 2 ] || fail "the user's PYTHONHASHSEED: $(grep -a SEED "$SCRATCH/out")"
echo "ok: the user's own PYTHONHASHSEED reaches children"
