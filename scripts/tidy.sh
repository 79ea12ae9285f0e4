#!/bin/bash
# Runs clang-tidy (.clang-tidy's checks) on the C++ sources of src/ that
# changed since BASE (default: HEAD), or on the files given, with the build's
# compile_commands.json. Exits non-zero when clang-tidy reports a warning.
# Usage: scripts/tidy.sh [--base REV] [--build DIR] [FILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
base=HEAD build=build files=()
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[ -n "$tidy" ] || { echo "tidy.sh: clang-tidy is not installed (apt-get install clang-tidy)" >&2; exit 2; }
[ -f "$build/compile_commands.json" ] || { echo "tidy.sh: no $build/compile_commands.json: configure first" >&2; exit 2; }
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" -- 'src/*.cc'; git ls-files --others --exclude-standard -- 'src/*.cc')
fi
[ ${#files[@]} -gt 0 ] || { echo "tidy.sh: no changed sources"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$tidy" -p "$build" --quiet "${files[@]}" >"$out" 2>/dev/null || true
if grep -q "warning:" "$out"; then
  cat "$out"
  echo "tidy.sh: $(grep -c 'warning:' "$out") warning(s) in ${#files[@]} file(s)"
  exit 1
fi
echo "tidy.sh: ${#files[@]} file(s) clean"
