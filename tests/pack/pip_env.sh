#!/bin/bash
# `pack pip` (offline, from wheels built here), `pack env` of a venv, and
# `pack dist --deps`: each bundle, staged next to the interpreter bundle, imports.
. "$(dirname "$0")/lib.sh"
"$PY" -m pip --version >/dev/null 2>&1 || skip "$PY has no pip"
"$PY" -c 'import venv' 2>/dev/null || skip "$PY has no venv"

make_wheels W
version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ok pack python --python "$PY" -o python.tar.zst

# check_import BUNDLE: python bundle + BUNDLE in a fresh D; pbtest_app imports from D.
check_import() {
  rm -rf D && mkdir D
  tar -xf python.tar.zst -C D
  tar -xf "$1" -C D
  D=$SCRATCH/D PYTHONHOME=$SCRATCH/D "D/bin/python$version" -I -c '
import os, pbtest_app, pbtest_dep
D = os.environ["D"]
assert pbtest_app.__file__.startswith(D + "/") and pbtest_dep.__file__.startswith(D + "/"), pbtest_app.__file__
print("value", pbtest_dep.VALUE)' >run.out 2>&1 || fail "import from $1: $(cat run.out)"
  expect_in run.out "value 42"
}

ok pack pip --python "$PY" -o pip.tar.zst -- --no-index --find-links "$SCRATCH/W" pbtest-app
ok inspect pip.tar.zst
expect_in stdout "pbtest_app 2.0"
expect_in stdout "pbtest_dep 1.0"
members pip.tar.zst | grep -E '(^|/)bin/pbtest-app$' >/dev/null || fail "no console script in the pip bundle"
check_import pip.tar.zst

# A venv: its site-packages move to where the base interpreter looks, and
# its links to the base interpreter stay behind.
"$PY" -m venv --without-pip V
"$PY" -m pip --python V/bin/python install -q --no-index --find-links "$SCRATCH/W" pbtest-app >pip.log 2>&1 ||
  fail "pip into the venv: $(tail -3 pip.log)"
ok pack env V -o env.tar.zst
expect_no_member env.tar.zst '^(pyvenv\.cfg|lib64|bin/python.*|bin/activate.*)$'
target=$("$PY" -c 'import sysconfig; s = sysconfig.get_scheme_names(); print(sysconfig.get_path("purelib", "deb_system" if "deb_system" in s else "posix_prefix", {"base": "", "platbase": ""}).lstrip("/"))')
expect_member env.tar.zst "$target/pbtest_app/__init__.py"
check_import env.tar.zst

# A conda environment is a whole prefix, packed as it is (here only its shape:
# conda-meta/ and a site-packages, no interpreter).
mkdir -p C/conda-meta "C/lib/python$version/site-packages"
cp -a "V/lib/python$version/site-packages/." "C/lib/python$version/site-packages/"
echo '{}' >C/conda-meta/history.json
ok pack env C -o conda.tar.zst
expect_member conda.tar.zst conda-meta/history.json
expect_member conda.tar.zst "lib/python$version/site-packages/pbtest_app/__init__.py"
ok inspect conda.tar.zst
expect_in stdout "kind:         env"
expect_in stdout "pbtest_app 2.0"

# A user base (~/.local style): kept as it is, unless --python says where
# that python looks.
mkdir -p U/lib/python$version
cp -a "V/lib/python$version/site-packages" "U/lib/python$version/"
ok pack dir U -o user-as-is.tar.zst
expect_member user-as-is.tar.zst "lib/python$version/site-packages/pbtest_app/__init__.py"
ok pack dir U --python "$PY" -o user.tar.zst
expect_member user.tar.zst "$target/pbtest_app/__init__.py"
check_import user.tar.zst

# pack dist with and without --deps, asking the venv's python (RECORD-based).
ok pack dist pbtest-app --python V/bin/python -o app.tar.zst
expect_no_member app.tar.zst 'pbtest_dep'
expect_member app.tar.zst "$target/pbtest_app/__init__.py"
expect_member app.tar.zst bin/pbtest-app  # RECORD's ../../../bin/pbtest-app
ok pack dist pbtest-app --deps --python V/bin/python -o deps.tar.zst
expect_member deps.tar.zst "$target/pbtest_dep/__init__.py"
expect_not_in stderr "pbtest-never-installed"  # its marker does not hold
check_import deps.tar.zst
