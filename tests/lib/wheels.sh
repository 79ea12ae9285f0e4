# make_wheels DIR (needs $PY, $SCRATCH and fail from tests/lib/common.sh).
# Two tiny projects, built into wheels here (PyPI is not reachable):
# pbtest-app (with a console script) requires pbtest-dep.
make_wheels() {  # DIR
  local dir=$1
  mkdir -p "$dir/src/dep/src/pbtest_dep" "$dir/src/app/src/pbtest_app"
  printf '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "pbtest-dep"\nversion = "1.0"\n' \
    >"$dir/src/dep/pyproject.toml"
  echo 'VALUE = 42' >"$dir/src/dep/src/pbtest_dep/__init__.py"
  cat >"$dir/src/app/pyproject.toml" <<'TOML'
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
[project]
name = "pbtest-app"
version = "2.0"
dependencies = ["pbtest-dep>=1.0", "pbtest-never-installed; python_version < '3.0'"]
[project.scripts]
pbtest-app = "pbtest_app:main"
TOML
  printf 'from pbtest_dep import VALUE\ndef main():\n    print(VALUE)\n' >"$dir/src/app/src/pbtest_app/__init__.py"
  "$PY" -m pip wheel -q --no-index --no-build-isolation --no-deps -w "$dir" "$dir/src/dep" "$dir/src/app" \
    >"$SCRATCH/wheel.log" 2>&1 || fail "cannot build test wheels: $(tail -3 "$SCRATCH/wheel.log")"
}
