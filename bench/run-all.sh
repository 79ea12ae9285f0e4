#!/bin/bash
# `make bench`: every benchmark, one after the other. Results in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
/usr/bin/python3 bench/stage_bench.py | tee bench/results/stage.md
