#!/bin/bash
# `make bench`: every benchmark, one after the other; tables on stdout, and Markdown,
# JSON and PNG files in bench/results/. Never part of the test suite.
#   stage_bench.py     staging throughput (tar, pigz, original algorithm, pybcast)
#   startup_bench.py   start-up vs ranks: on slowfs, python-mpi cold, warm, local disk
#   audit_bench.py     start-up with and without python-mpi --audit at 8 and 16 ranks (the ratio)
#   ai_stack_bench.py  Debian's AI stack (torch, pandas, sklearn) at 1, 8, 16 ranks, the same four ways
#   net_bench.sh       staging over pretend hosts with tc tbf links (root only; skips otherwise)
#   pynamic_bench.py   Pynamic-style workload: generated extension modules on slowfs vs python-mpi
#   scaling_model.py   the model of docs/scaling.md, fitted from the runs above
# Environment: PYBCAST_BUILD (default build/), BENCH_MAX_LOAD (default 1.5) and
# BENCH_WAIT_S (default 0): wait up to that long for the 1-minute load average to drop
# below BENCH_MAX_LOAD before starting (the load is recorded with every result anyway).
# BENCH_ONLY="stage startup" runs a subset. Leaves no mount, namespace or process behind.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYBCAST_BUILD=${PYBCAST_BUILD:-$PWD/build}
BENCH_MAX_LOAD=${BENCH_MAX_LOAD:-1.5} BENCH_WAIT_S=${BENCH_WAIT_S:-0}
only=${BENCH_ONLY:-stage startup audit ai_stack net pynamic model}
# Python as users run it: a session's PYTHONDONTWRITEBYTECODE would make every rank
# recompile every module.
unset PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX

[ -f "$PYBCAST_BUILD/CMakeCache.txt" ] || cmake -S . -B "$PYBCAST_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(pybcast python-mpi original_bcast bcast_probe)
if pkg-config --exists fuse3; then targets+=(slowfs); fi
cmake --build "$PYBCAST_BUILD" -j "$(nproc)" --target "${targets[@]}" >/dev/null

missing=""
/usr/bin/python3 -c 'import matplotlib, numpy' 2>/dev/null || missing+=" python3-matplotlib python3-numpy"
command -v pigz >/dev/null || missing+=" pigz"
command -v fusermount3 >/dev/null || missing+=" fuse3"
[ -z "$missing" ] || { echo "bench: missing Debian packages:$missing (apt-get install$missing)" >&2; exit 1; }
/usr/bin/python3 -c 'import scipy' 2>/dev/null ||
  echo "bench: python3-scipy is not installed: the stack and bundles leave scipy out" >&2

waited=0
while (($(echo "$(cut -d' ' -f1 /proc/loadavg) > $BENCH_MAX_LOAD" | bc))) && ((waited < BENCH_WAIT_S)); do
  ((waited == 0)) && echo "bench: waiting up to ${BENCH_WAIT_S}s for load < $BENCH_MAX_LOAD ..." >&2
  sleep 10
  waited=$((waited + 10))
done
load=$(cut -d' ' -f1 /proc/loadavg)
(($(echo "$load > $BENCH_MAX_LOAD" | bc))) &&
  echo "bench: 1-minute load average $load > $BENCH_MAX_LOAD: the numbers are taken under load" >&2

export PYBCAST_BENCH_WORK
PYBCAST_BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/pybcast-bench-work-XXXXXX")
left_behind() {
  findmnt -rn -o TARGET | grep -E 'pybcast-bench' || true
  ip netns list 2>/dev/null | grep -E '^pbh' || true
}
finish() {
  local status=$?
  rm -rf "$PYBCAST_BENCH_WORK"
  local left
  left=$(left_behind)
  [ -z "$left" ] || { echo "bench: left behind: $left" >&2; status=1; }
  return $status
}
trap finish EXIT

mkdir -p bench/results
summary=bench/results/run-all.md
start_all=$(date +%s)
echo "| benchmark | seconds | load at start |" >"$summary.tmp"
echo "|---|---|---|" >>"$summary.tmp"
step() {  # step NAME COMMAND...
  local name=$1 t0
  shift
  case " $only " in *" $name "*) ;; *) return 0 ;; esac
  echo "== $name" >&2
  t0=$(date +%s)
  local l
  l=$(cut -d' ' -f1 /proc/loadavg)
  "$@"
  echo "| $name | $(($(date +%s) - t0)) | $l |" >>"$summary.tmp"
}
step stage /usr/bin/python3 bench/stage_bench.py
step startup /usr/bin/python3 bench/startup_bench.py
step audit /usr/bin/python3 bench/audit_bench.py
step ai_stack /usr/bin/python3 bench/ai_stack_bench.py
step net bench/net_bench.sh
step pynamic /usr/bin/python3 bench/pynamic_bench.py
step model /usr/bin/python3 bench/scaling_model.py
echo "| total | $(($(date +%s) - start_all)) | $load |" >>"$summary.tmp"
{
  echo "### make bench: $(date '+%Y-%m-%d %H:%M'), commit $(git rev-parse --short HEAD 2>/dev/null), $(nproc) cores"
  echo
  cat "$summary.tmp"
} >"$summary"
rm -f "$summary.tmp"
cat "$summary"
