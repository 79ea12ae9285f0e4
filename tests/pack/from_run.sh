#!/bin/bash
# pack --from-run keeps what the processes of the target interpreter touched,
# laid out where it finds them: the module files of its sys.path and the files
# in their packages. Another Python the run starts (a pyenv one here) is left
# out, with one warning naming it; files read from a sys.path directory that
# are no modules of it (a README, /usr/bin/env once /usr/bin is on sys.path)
# stay where they are.
. "$(dirname "$0")/lib.sh"
[ -x "$PY" ] || skip "no $PY"
mkdir -p libs/pkg
echo 'VALUE = 1' >libs/tool.py
: >libs/pkg/__init__.py
echo data >libs/pkg/data.txt
echo notes >libs/README
cat >run.py <<'PY'
import os, subprocess, sys
import pkg, tool
here = os.path.dirname(tool.__file__)
open(os.path.join(os.path.dirname(pkg.__file__), "data.txt")).read()
open(os.path.join(here, "README")).read()
sys.path.append("/usr/bin")  # as build helpers do; the run then looks at a program there
os.stat("/usr/bin/env")
if len(sys.argv) > 1:  # another Python, which imports what the target did not
    subprocess.run([sys.argv[1], "-c", "import decimal, json; print(decimal.Decimal(1) / 3)"], check=True)
PY
site=lib/python3/dist-packages

other=""
command -v pyenv >/dev/null && other=$(ls -d "$(pyenv root)"/versions/3.1[02]*/bin/python3.1[02] 2>/dev/null | tail -1)
PYTHONPATH=$SCRATCH/libs ok pack --from-run -o app.tar.zst -- "$PY" run.py $other
cat stderr
expect_in stderr "from-run: traced 1 Python process:"
for m in tool.py pkg/__init__.py pkg/data.txt; do expect_member app.tar.zst "$site/$m"; done
expect_no_member app.tar.zst "^$site/(README|env)$"
expect_no_member app.tar.zst "(^|/)env$"

if [ -z "$other" ]; then
  echo "SKIP (part): no pyenv Python 3.10 or 3.12 to run as another interpreter"
  echo "ok: module files and package data packed; README and /usr/bin/env left out"
  exit 0
fi
real=$(readlink -f "$other")
version=$("$other" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
short=${version%.*}
expect_in stderr "pybcast: warning: pack --from-run: left out what 1 process of another Python ($real, $version) touched"
[ "$(grep -c "of another Python" stderr)" -eq 1 ] || fail "not one warning: $(cat stderr)"
# Nothing of the other interpreter: not its stdlib (decimal, json, os.py) in the site directory, nor its libpython.
expect_no_member app.tar.zst "decimal|/json/|/os\.py$|lib-dynload|libpython$short|python$short"
if members app.tar.zst | grep -q '\.so'; then fail "shared objects packed: $(members app.tar.zst | grep '\.so')"; fi

# --with-python: the target's own files, still nothing of the other one.
PYTHONPATH=$SCRATCH/libs ok pack --from-run --with-python -o whole.tar.zst -- "$PY" run.py "$other"
expect_member whole.tar.zst "$site/tool.py"
expect_member whole.tar.zst lib/python3.11/os.py
expect_no_member whole.tar.zst "decimal|libpython$short|python$short"
expect_in stderr "left out what 1 process of another Python ($real, $version)"

# --python names the target: then the first process is the other Python, and its own files are packed.
PYTHONPATH=$SCRATCH/libs ok pack --from-run --python "$other" --with-python -o named.tar.zst -- "$PY" run.py "$other"
expect_in stderr "left out what 1 process of another Python ($(readlink -f "$PY"), "
expect_member named.tar.zst "lib/python$short/decimal.py"
expect_no_member named.tar.zst "^$site/|tool\.py|python3\.11"
echo "ok: the target's modules packed, $real ($version) left out and named once"
