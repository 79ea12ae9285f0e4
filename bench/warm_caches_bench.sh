#!/bin/bash
# Warm caches (issue 28): time to first result of a Numba + matplotlib script
# on 4 pretend hosts x 2 ranks (tests/harness/pretend_hosts.sh: each host its
# own /dev/shm), python-mpi timed whole (mpirun to exit), three conditions
# alternating in every round, REPEAT rounds, medians and ratios:
#   cold:   the stack on every node, the caches empty: every node compiles
#   staged: the stack on every node, the caches empty, --caches BUNDLE (saved
#           by a cold job): the caches bundle broadcast, installed, then Python runs
#   warm:   the stack and the caches already on every node (a second job)
# The stack's own staging is left out of all three (its entry stays on the
# nodes), so the ratios are the caches' alone.
# The script compiles N_FUNCS (default 12) @njit(cache=True) functions and
# imports matplotlib.pyplot. PYTHONDONTWRITEBYTECODE unset, as users have it.
#   bench/warm_caches_bench.sh [REPEAT]   (default 5)
set -euo pipefail
repeat=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
pybcast=${PYBCAST:-$root/build/bin/pybcast}
python_mpi=$(dirname "$pybcast")/python-mpi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PYTHONDONTWRITEBYTECODE
/usr/bin/python3 -c 'import numba, matplotlib, mpi4py' 2>/dev/null ||
  { echo "warm_caches_bench: needs Debian's python3-numba, python3-matplotlib, python3-mpi4py" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/pybcast-warmbench-XXXXXX")
trap 'rm -rf "$work"' EXIT  # hosts_up chains hosts_down in front of this
{
  echo "import os"
  echo "from numba import njit"
  for ((i = 0; i < ${N_FUNCS:-12}; i++)); do
    echo "@njit(cache=True)"
    echo "def f$i(a):"
    echo "    s = 0.0"
    echo "    for k in range(a.shape[0]):"
    echo "        s += (a[k] + $i) ** 0.5 * $((i + 1))"
    echo "    return s"
  done
  echo "import numpy, matplotlib"
  echo "matplotlib.use('Agg')"
  echo "import matplotlib.pyplot"
  echo "a = numpy.arange(100.0)"
  echo "print(sum(f(a) for f in [$(seq -s, -f 'f%g' 0 $((${N_FUNCS:-12} - 1)))]))"
} >"$work/job.py"
"$pybcast" pack --from-run --with-python -o "$work/stack.tar.zst" -- /usr/bin/python3 "$work/job.py" >/dev/null 2>&1

cd "$root"
. tests/harness/pretend_hosts.sh
PBH_TIMEOUT=300
rc=0
hosts_up 4 --slots 2 || rc=$?
[ $rc -eq 0 ] || { echo "warm_caches_bench: pretend hosts unavailable (${PBH_SKIP_REASON:-hosts_up failed})" >&2; exit 1; }
export PYTHON_MPI_CHROOT=/dev/shm PYTHON_MPI_PKGROOT=$work PYTHON_MPI_PACKAGES=stack.tar.zst
fwd=(-x PYTHON_MPI_CHROOT -x PYTHON_MPI_PKGROOT -x PYTHON_MPI_PACKAGES)
fresh() { for h in "${PBH_HOSTS[@]}"; do rm -rf "$(hosts_shm "$h")"/pybcast-*; done; }
# Empty caches and no caches bundle entry; the stack's entry (the only one after the first job) stays.
no_caches() {
  local h root
  for h in "${PBH_HOSTS[@]}"; do
    root=$(hosts_shm "$h")/pybcast-$(id -u)
    rm -rf "$root/caches"
    for e in "$root"/cache/*; do [ "${e##*/}" = "$stack_key" ] || { chmod -R u+w "$e"; rm -rf "$e"; }; done
  done
}
job() {  # ARGS...: seconds of one python-mpi job
  local s
  s=$(date +%s.%N)
  mpirun_hosts "${fwd[@]}" "$python_mpi" "$@" "$work/job.py" >"$work/out" 2>&1 ||
    { echo "job failed: $(tail -5 "$work/out")" >&2; exit 1; }
  echo "$(date +%s.%N) - $s" | bc
}
fresh
job --save-caches "$work/caches.tar.zst" >/dev/null
stack_key=$(ls "$(hosts_shm "${PBH_HOSTS[0]}")/pybcast-$(id -u)/cache")
echo "caches bundle: $(du -k "$work/caches.tar.zst" | cut -f1) KiB, stack $(du -m "$work/stack.tar.zst" | cut -f1) MiB" >&2
declare -A runs
for ((r = 1; r <= repeat; r++)); do
  no_caches; runs[cold]+=" $(job)"
  no_caches; runs[staged]+=" $(job --caches "$work/caches.tar.zst")"
  runs[warm]+=" $(job --caches "$work/caches.tar.zst")"
done
hosts_down
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
declare -A med
for c in cold staged warm; do
  med[$c]=$(median <<<"${runs[$c]}")
  printf '%-7s median %6.2f s   runs:%s\n' "$c" "${med[$c]}" "${runs[$c]}"
done
echo "cold/staged: $(echo "scale=2; ${med[cold]} / ${med[staged]}" | bc)x   staged/warm: $(echo "scale=3; ${med[staged]} / ${med[warm]}" | bc) (goal <= 1.10)"
