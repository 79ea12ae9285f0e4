#!/bin/bash
# Caches bundles that must not be used (issue 28), python-mpi on 4 ranks / 2
# virtual nodes:
#   - one saved by a job of pyenv's Python 3.12 (an XDG_CACHE_HOME file) is
#     skipped with the warning by a 3.11 job, which runs, its caches cold;
#   - hostile bundles given as --caches (.., absolute path, symlink escape:
#     the corpus of tests/tools/make_hostile.py) are refused on every rank by
#     the staging rules every bundle goes through;
#   - a bundle that is no caches bundle is refused by name; a --caches file
#     that does not exist yet is a note, and the caches start cold.
. "$(dirname "$0")/../lib/mpi.sh"
py312=$(ls -d "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3 2>/dev/null | head -1)
[ -x "$py312" ] || skip "no pyenv Python 3.12"
cp "$PY_BUNDLES"/prefix/python-3.11.tar.gz "$PKGROOT/"
"$PYBCAST" pack python --python "$py312" --no-compile --no-headers -o "$PKGROOT/py312.tar.zst" >/dev/null 2>&1 ||
  fail "pack python 3.12"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2
unset XDG_CACHE_HOME
code='import os, sys
rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK"))
d = os.path.join(os.environ["XDG_CACHE_HOME"], "tool")
had = os.path.exists(os.path.join(d, "entry-" + rank))
os.makedirs(d, exist_ok=True)
open(os.path.join(d, "entry-" + rank), "w").write(sys.version)
print("XDG", sys.version_info[:2], "had", had, flush=True)'

PYTHON_MPI_PACKAGES=py312.tar.zst run_mpi 4 "$PYTHON_MPI" --save-caches "$SCRATCH/c312.tar.zst" -c "$code"
[ "$STATUS" -eq 0 ] || fail "the 3.12 job: $(cat "$SCRATCH/out")"
[ "$(count_matches "XDG \(3, 12\) had False")" -eq 4 ] || fail "the 3.12 job: $(cat "$SCRATCH/out")"
[ -s "$SCRATCH/c312.tar.zst" ] || fail "the 3.12 job saved nothing: $(cat "$SCRATCH/out")"
# The control: another 3.12 job on fresh nodes finds every rank's entry.
rm -rf "$CHROOT"
PYTHON_MPI_PACKAGES=py312.tar.zst run_mpi 4 "$PYTHON_MPI" --caches "$SCRATCH/c312.tar.zst" -c "$code"
[ "$(count_matches "XDG \(3, 12\) had True")" -eq 4 ] || fail "the 3.12 caches were not staged for 3.12: $(cat "$SCRATCH/out")"

rm -rf "$CHROOT"
PYTHON_MPI_PACKAGES=python-3.11.tar.gz run_mpi 4 "$PYTHON_MPI" --caches "$SCRATCH/c312.tar.zst" -c "$code"
[ "$STATUS" -eq 0 ] || fail "the 3.11 job with the 3.12 caches: $(cat "$SCRATCH/out")"
[ "$(count_matches "XDG \(3, 11\) had False")" -eq 4 ] || fail "the 3.12 caches were used: $(cat "$SCRATCH/out")"
[ "$(count_matches "python-mpi: warning: caches bundle c312.tar.zst skipped: made for Python 3.12, this job runs 3.11")" -eq 1 ] ||
  fail "no single warning naming the difference: $(cat "$SCRATCH/out")"

# Hostile bundles: refused like any bundle, whatever --caches means.
mkdir -p "$SCRATCH/outside"
for kind in dotdot absolute symlink-escape; do
  rm -rf "$CHROOT"
  "$REPO/tests/tools/make_hostile.py" "$kind" "$SCRATCH/$kind.tar.gz" "$SCRATCH/outside"
  PYTHON_MPI_PACKAGES=python-3.11.tar.gz run_mpi 4 "$PYTHON_MPI" --caches "$SCRATCH/$kind.tar.gz" -c "$code"
  expect_failure_everywhere 4 "bundle '$SCRATCH/$kind.tar.gz'"
  [ -z "$(ls -A "$SCRATCH/outside")" ] && [ ! -e "$SCRATCH/x" ] && [ ! -e /etc/pybcast-pwned ] ||
    fail "$kind escaped: $(ls -A "$SCRATCH/outside")"
  [ -z "$(find "$CHROOT" -path '*/caches/*' -type f)" ] || fail "$kind put files into the caches"
done

# Not a caches bundle; not there yet.
PYTHON_MPI_PACKAGES=python-3.11.tar.gz run_mpi 4 "$PYTHON_MPI" --caches "$PKGROOT/py312.tar.zst" -c "$code"
expect_failure_everywhere 4 "py312.tar.zst is not a caches bundle (its manifest's kind is 'python')"
PYTHON_MPI_PACKAGES=python-3.11.tar.gz run_mpi 4 "$PYTHON_MPI" --caches "$SCRATCH/none.tar.zst" -c "$code"
[ "$STATUS" -eq 0 ] || fail "a missing --caches file failed the job: $(cat "$SCRATCH/out")"
grep -qF "no caches bundle $SCRATCH/none.tar.zst yet: the runtime caches start cold" "$SCRATCH/out" ||
  fail "no note for the missing caches bundle: $(cat "$SCRATCH/out")"
echo "ok: caches bundles of another Python skipped with the warning, hostile ones refused"
