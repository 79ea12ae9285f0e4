#!/bin/bash
# Rewrites the option tables of README.md and the man pages from the settings
# table (src/cli/settings_table.cc), between their marker lines:
#   README.md            <!-- settings-table:begin --> ... <!-- settings-table:end -->
#   man/pybcast.1        .\" settings-table begin ... end (CONFIGURATION)
#                        .\" settings-env begin ... end (ENVIRONMENT)
#   man/python-mpi.1     .\" settings-env begin ... end (ENVIRONMENT)
# usage: scripts/update-option-tables.sh [--check] [GENERATOR]
#   GENERATOR: the settings_doc program (default build/tests/cli/settings_doc);
#   --check: change nothing, fail naming each region that differs (the CTest
#   cli_option_tables_current).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
generator=${1:-$repo/build/tests/cli/settings_doc}
[ -x "$generator" ] || { echo "update-option-tables: no generator at $generator (build the settings_doc target)" >&2; exit 2; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
stale=0

# region FILE BEGIN END FORMAT: the lines between BEGIN and END become FORMAT's text.
region() {
  local file=$repo/$1 begin=$2 end=$3 format=$4
  [ "$(grep -cxF -- "$begin" "$file")" = 1 ] && [ "$(grep -cxF -- "$end" "$file")" = 1 ] ||
    { echo "update-option-tables: $1 needs one '$begin' and one '$end' line" >&2; exit 2; }
  "$generator" "$format" >"$scratch/text"
  # Through the environment: awk -v would read the backslash of .\" as an escape.
  BEGIN_LINE=$begin END_LINE=$end TEXT=$scratch/text awk '
    $0 == ENVIRON["END_LINE"] { skipping = 0 }
    !skipping { print }
    $0 == ENVIRON["BEGIN_LINE"] { while ((getline line < ENVIRON["TEXT"]) > 0) print line; skipping = 1 }
  ' "$file" >"$scratch/new"
  if cmp -s "$file" "$scratch/new"; then return; fi
  if [ $check = 1 ]; then
    echo "$1: the region '$begin' differs from the settings table ($format); run scripts/update-option-tables.sh:" >&2
    diff -u "$file" "$scratch/new" >&2 || true
    stale=1
  else
    cat "$scratch/new" >"$file"
    echo "updated $1 ($format)"
  fi
}

region README.md '<!-- settings-table:begin -->' '<!-- settings-table:end -->' markdown
region man/pybcast.1 '.\" settings-table begin' '.\" settings-table end' man-table
region man/pybcast.1 '.\" settings-env begin' '.\" settings-env end' man-env
region man/python-mpi.1 '.\" settings-env begin' '.\" settings-env end' man-env-python-mpi
[ $stale = 0 ] || exit 1
[ $check = 0 ] || echo "ok: the option tables of README.md and the man pages are the settings table's"
