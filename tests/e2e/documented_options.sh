#!/bin/bash
# Every option the README and the man pages document exists (issue 26):
#   - each --flag they name is printed by some `pybcast ... --help`, is one of
#     python-mpi's own, or belongs to another tool named here (pip, ctest...);
#   - each of python-mpi's (man python-mpi.1, and `python-mpi --x` in the
#     README and docs/) runs: a 1-rank job with it exits 0 and runs Python.
. "$(dirname "$0")/../lib/mpi.sh"
for b in "${PY_STACK[@]}"; do cp "$PY_BUNDLES/prefix/$b" "$PKGROOT/"; done
cd "$SCRATCH"
flags_of() { grep -oE -- '--[a-z][a-z0-9-]*' | sort -u; }
sed 's/\\-/-/g' "$REPO/man/pybcast.1" "$REPO/man/python-mpi.1" | flags_of >man.flags
flags_of <"$REPO/README.md" >readme.flags
sort -u man.flags readme.flags >documented
commands=$("$PYBCAST" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
for c in "" $commands "pack python" "pack dist" "pack dir" "pack env" "pack pip" "pack --from-run"; do
  # shellcheck disable=SC2086
  "$PYBCAST" $c --help 2>&1
done | flags_of >helped
{ sed 's/\\-/-/g' "$REPO/man/python-mpi.1" | flags_of; grep -ohE -- 'python-mpi( --[a-z][a-z0-9-]*)+' "$REPO/README.md" "$REPO"/docs/*.md | flags_of; } |
  sort -u >python_mpi.flags
# Other tools' options the README quotes in its commands: cmake, ctest, pip, srun, tar, venv, and a script's own.
printf '%s\n' --build --install --test-dir --output-on-failure --find-links --no-index --ntasks-per-node --zstd \
  --system-site-packages --small-input --version | sort -u >foreign
unknown=$(sort -u helped python_mpi.flags foreign | comm -23 documented -)
[ -z "$unknown" ] || fail "documented but no command has them: $(echo $unknown)"
"$PYBCAST" --version >/dev/null || fail "pybcast --version"
echo "ok: $(wc -l <documented) documented options, each printed by a --help, python-mpi's own or another tool's"

export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYTHON_MPI_PACKAGES=$PY_STACK_PACKAGES
for flag in $(cat python_mpi.flags); do
  args=("$flag")
  [ "$flag" != --audit-json ] || args+=("$SCRATCH/audit.json")
  [ "$flag" != --caches ] || args+=("$SCRATCH/no-caches-yet.tar.zst")
  [ "$flag" != --save-caches ] || args+=("$SCRATCH/saved-caches.tar.zst")
  run_mpi 1 "$PYTHON_MPI" "${args[@]}" -c 'print("FLAG-RAN")'
  [ "$STATUS" -eq 0 ] && [ "$(count_matches FLAG-RAN)" -eq 1 ] || fail "python-mpi ${args[*]} -c ...: status $STATUS: $(tail -5 "$SCRATCH/out")"
done
echo "ok: python-mpi runs with each of its documented options: $(echo $(cat python_mpi.flags))"
