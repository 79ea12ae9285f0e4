#!/bin/bash
# No binary we build carries an empty or relative RUNPATH/RPATH entry: the
# loader reads an empty entry as the current directory and a relative one
# against it, so every rank would search the job's working directory (often
# on the shared file system) for every library before main. Checks every ELF
# file next to the pybcast under test (the build tree's bin/, or /usr/bin's
# pybcast and python-mpi for an installed package).
. "$(dirname "$0")/lib.sh"
command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
bin=$(dirname "$PYBCAST")
if [ "$bin" = /usr/bin ]; then
  files=("$PYBCAST" "$PYTHON_MPI")
else
  files=("$bin"/*)
fi
checked=0
for f in "${files[@]}"; do
  [ -f "$f" ] && head -c 4 "$f" | grep -q $'\x7fELF' || continue
  checked=$((checked + 1))
  while read -r tag paths; do
    IFS=: read -r -a entries <<<"$paths"
    # A trailing ':' leaves no field for read -a: count the separators instead.
    [ "$(tr -cd : <<<"$paths" | wc -c)" -lt "${#entries[@]}" ] || fail "$f: $tag has an empty entry: [$paths]"
    for e in "${entries[@]}"; do
      [ -n "$e" ] || fail "$f: $tag has an empty entry: [$paths]"
      [[ $e == /* || $e == '$ORIGIN'* ]] || fail "$f: $tag has a relative entry '$e': [$paths]"
    done
  done < <(readelf -d "$f" | sed -nE 's/.*\((RUNPATH|RPATH)\).*\[(.*)\]$/\1 \2/p')
done
[ "$checked" -ge 2 ] || fail "found only $checked ELF files in $bin"
echo "ok: $checked binaries in $bin: no empty or relative RUNPATH/RPATH entry"
