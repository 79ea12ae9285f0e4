#!/bin/bash
# Builds each include probe (tests/architecture/CMakeLists.txt): a forbidden
# one must fail to compile on the header it names (gcc: "No such file or
# directory", clang: "file not found"), an allowed one must build.
# Usage: layer_includes.sh BUILD_DIR kind:target:header...
set -uo pipefail
build=$1
shift
failures=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for probe in "$@"; do
  IFS=: read -r kind target header <<<"$probe"
  if cmake --build "$build" --target "$target" >"$log" 2>&1; then
    if [ "$kind" = forbidden ]; then
      echo "FAIL: $target: including $header compiled; the layers should refuse it"
      failures=$((failures + 1))
    else
      echo "ok: $target: $header is allowed and compiles"
    fi
  elif [ "$kind" = forbidden ] && grep -qF -e "$header: No such file or directory" -e "'$header' file not found" "$log"; then
    echo "ok: $target: $header is refused"
  else
    echo "FAIL: $target ($kind $header) did not build for another reason:"
    tail -20 "$log"
    failures=$((failures + 1))
  fi
done
[ "$failures" -eq 0 ] || { echo "$failures probe(s) failed"; exit 1; }
echo "all $# probes as expected"
