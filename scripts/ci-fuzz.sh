#!/bin/bash
# Fuzz smoke test: configures a clang build with -DPYBCAST_FUZZ=ON in BUILD_DIR,
# builds the libFuzzer targets (tests/fuzz), generates the seed corpora,
# replays every seed once, then fuzzes each target for a fixed budget
# (PYBCAST_FUZZ_SECONDS_EXTRACT, default 60 s; PYBCAST_FUZZ_SECONDS_OTHER,
# default 20 s). Any crash, sanitizer report, violated invariant or slow input
# fails; the input is kept in BUILD_DIR/fuzz-out/<target>/.
# Usage: scripts/ci-fuzz.sh BUILD_DIR     Needs clang-14 and libclang-rt-14-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: $0 BUILD_DIR}
command -v clang++-14 >/dev/null || { echo "ci-fuzz: clang++-14 is required (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }
start=$SECONDS
mkdir -p "$build"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DPYBCAST_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPYBCAST_FUZZ_SECONDS_EXTRACT="${PYBCAST_FUZZ_SECONDS_EXTRACT:-60}" \
  -DPYBCAST_FUZZ_SECONDS_OTHER="${PYBCAST_FUZZ_SECONDS_OTHER:-20}" >"$build/configure.log" 2>&1 \
  || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" --target fuzz_all -j "$(nproc)"
echo "ci-fuzz: built in $((SECONDS - start)) s"
ctest --test-dir "$build" -L '^fuzz' --output-on-failure
echo "ci-fuzz: done in $((SECONDS - start)) s"
