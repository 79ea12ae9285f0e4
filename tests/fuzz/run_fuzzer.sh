#!/bin/bash
# Runs one libFuzzer target.
#   run_fuzzer.sh replay  TARGET SEEDS OUT   runs every seed once (regression check)
#   run_fuzzer.sh SECONDS TARGET SEEDS OUT   fuzzes for SECONDS, growing OUT/corpus from SEEDS
# A crash, a violated invariant, a leak or a slow input (-timeout) fails the
# test; the input is kept in OUT/ (crash-*, timeout-*, ...) and the log in OUT/log.
set -euo pipefail
mode=${1:?replay or seconds} target=${2:?target} seeds=${3:?seed dir} out=${4:?output dir}
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$target")
dict=$here/${name#fuzz_}.dict
mkdir -p "$out/corpus"
# The extractor's scratch directories go under OUT, not into the shared /tmp.
export TMPDIR=$out/tmp
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
opts=(-timeout=30 -rss_limit_mb=3072 -artifact_prefix="$out/" -print_final_stats=1)
[ -f "$dict" ] && opts+=(-dict="$dict")
set +e
if [ "$mode" = replay ]; then
  find "$seeds" -type f -print0 | sort -z | xargs -0 "$target" "${opts[@]}" >"$out/log" 2>&1
else
  "$target" "${opts[@]}" -max_total_time="$mode" "$out/corpus" "$seeds" >"$out/log" 2>&1
fi
status=$?
set -e
if [ "$status" -ne 0 ]; then
  grep -E -B2 -A30 'ERROR: |INVARIANT VIOLATED|runtime error|Test unit written' "$out/log" | head -80
  echo "FAIL: $name ($mode) exited $status; log: $out/log; inputs: $(ls "$out" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | xargs)"
  exit 1
fi
if [ "$mode" = replay ]; then
  echo "ok: $name replayed $(find "$seeds" -type f | wc -l) seeds"
else
  echo "ok: $name fuzzed ${mode}s: $(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out/log" | grep -oE '[0-9]+$') runs," \
    "corpus $(ls "$out/corpus" | wc -l) inputs, $(grep -oE 'cov: [0-9]+' "$out/log" | tail -1)"
fi
rm -rf "$TMPDIR"
