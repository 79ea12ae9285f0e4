#!/bin/bash
# Acceptance: `pack python` of a pyenv Python (built --enable-shared, with
# an absolute RUNPATH <prefix>/lib in _ssl and other extension modules):
# no ELF file of the bundle searches the pyenv prefix at run time.
. "$(dirname "$0")/lib.sh"
command -v pyenv >/dev/null || skip "no pyenv"
command -v readelf >/dev/null || skip "no readelf"
py=$(ls -d "$(pyenv root)"/versions/3.12.*/bin/python3.12 2>/dev/null | head -1)
[ -n "$py" ] || skip "no pyenv Python 3.12"
prefix=$(cd "$(dirname "$py")/.." && pwd -P)

ok pack python --python "$py" -o py.tar.zst
expect_in stderr "rewrote the RUNPATH/RPATH of"
mkdir X
tar -xf py.tar.zst -C X
checked=0
while IFS= read -r -d '' f; do
  head -c 4 "$f" | grep -q 'ELF' || continue
  paths=$(readelf -d "$f" 2>/dev/null | grep -E '\((RUNPATH|RPATH)\)' || true)
  [ -n "$paths" ] || continue
  checked=$((checked + 1))
  case $paths in *"$prefix"*) fail "$f still searches $prefix: $paths" ;; esac
done < <(find X -type f -print0)
[ "$checked" -gt 0 ] || fail "no ELF file with a RUNPATH in the bundle: was the fixture right?"
ssl=$(ls X/lib/python3.12/lib-dynload/_ssl.*.so)
expect_in <(readelf -d "$ssl") '(RUNPATH)'
expect_in <(readelf -d "$ssl") '[$ORIGIN/../..]'
# The staged interpreter imports ssl with the pyenv tree out of the way of its loader.
PYTHONHOME=$SCRATCH/X LD_LIBRARY_PATH=$SCRATCH/X/lib X/bin/python3.12 -I -c 'import ssl, sys; print(sys.prefix)' \
  >run.out 2>&1 || fail "import ssl from the bundle: $(cat run.out)"
echo "ok: $checked ELF files with RUNPATH/RPATH, none under $prefix"
