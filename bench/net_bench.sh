#!/bin/bash
# Network-shaped staging: the big bundle (.tar.zst, bench/lib/benchlib.py big_bundles)
# staged cold to K = 2, 4, 8 pretend hosts (tests/harness/pretend_hosts.sh --netns: one
# network namespace per host on a private bridge), every host link capped by tc tbf at
# each RATE, one rank per host (only node leaders work during staging). Methods, in turn
# within each repetition:
#   pybcast        pybcast stage, default Open MPI MPI_Ibcast algorithm (libnbc: linear
#                  up to 4 ranks, binomial above)
#   pybcast-chain  the same with --mca coll_libnbc_ibcast_algorithm 3 (chain/pipeline)
#   original       bench/original_bcast (OUR reimplementation of the original tool:
#                  whole-file MPI_Bcast, write, then single-threaded libarchive extraction)
# Each run records the tool's own staging time, its broadcast share where known, the
# mpirun wall time and the bytes host pbh0 (rank 0, the reader) sent on its link.
# Also the broadcast alone (bench/bcast_probe.c) at 256 KiB and 4 MiB chunks, for the
# model's fit (bench/results/net_probe.tsv). Raw rows go to bench/results/net.tsv;
# bench/net_report.py makes the table, JSON and plot, with the model's prediction for each point.
# usage: bench/net_bench.sh [--rates "1gbit 4gbit"] [--hosts "2 4 8"] [--repeat 2]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${PYBCAST_BUILD:-$ROOT/build}
rates="1gbit 4gbit" hosts="2 4 8" repeat=2
while [ $# -gt 0 ]; do
  case $1 in
    --rates) rates=$2; shift ;;
    --hosts) hosts=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    *) echo "usage: $0 [--rates R] [--hosts H] [--repeat N]" >&2; exit 2 ;;
  esac
  shift
done
maxhosts=$(printf '%s\n' $hosts | sort -n | tail -1)

bundle=$(PYBCAST_BUILD=$BUILD /usr/bin/python3 -c \
  'import sys; sys.path.insert(0, "bench/lib"); import benchlib; print(benchlib.big_bundles()["zst"])')
pkgroot=$(dirname "$bundle") name=$(basename "$bundle")
mkdir -p bench/results
out=bench/results/net.tsv
work=$(mktemp -d "${TMPDIR:-/tmp}/pybcast-bench-net-XXXXXX")
trap 'rm -rf "$work"' EXIT   # hosts_up chains hosts_down in front of this
. tests/harness/pretend_hosts.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rc=0
hosts_up "$maxhosts" --netns --slots 1 || rc=$?
if [ $rc -ne 0 ]; then
  echo "net_bench: skipped: pretend hosts unavailable (${PBH_SKIP_REASON:-hosts_up failed})" >&2
  exit 0
fi
export PBH_PPN=1 PBH_TIMEOUT=300

clean_hosts() {
  local h
  for h in "${PBH_HOSTS[@]}"; do rm -rf "$(hosts_shm "$h")"/pybcast-* "$(hosts_shm "$h")"/original; done
}
now() { date +%s.%N; }
tx_bytes() { hosts_link_bytes pbh0 | awk '{print $2}'; }

# run_one METHOD K: prints "stage_s bcast_s wall_s"
run_one() {
  local method=$1 k=$2 start end log=$work/log
  clean_hosts
  start=$(now)
  case $method in
    pybcast | pybcast-chain)
      local mca=()
      [ "$method" = pybcast-chain ] && mca=(--mca coll_libnbc_ibcast_algorithm 3)
      rm -f "$work/trace.json"
      mpirun_hosts -n "$k" "${mca[@]}" "$BUILD/bin/pybcast" stage --chroot /dev/shm --pkgroot "$pkgroot" \
        --trace "$work/trace.json" "$name" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
      end=$(now)
      /usr/bin/python3 - "$work/trace.json" "$start" "$end" <<'EOF'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
longest = lambda name: max([e["dur"] / 1e6 for e in events if e.get("name") == name] or [float("nan")])
print(f"{longest('total'):.4f} {longest('broadcast'):.4f} {float(sys.argv[3]) - float(sys.argv[2]):.4f}")
EOF
      ;;
    original)
      mpirun_hosts -n "$k" "$BUILD/bin/original_bcast" -p /dev/shm/original "$bundle" >"$log" 2>&1 ||
        { cat "$log" >&2; return 1; }
      end=$(now)
      sed -n 's/^original_bcast: bcast_s=\([0-9.]*\) tar_s=[0-9.]* total_s=\([0-9.]*\).*/\2 \1/p' "$log" |
        awk -v w="$(echo "$end - $start" | bc)" '{printf "%s %s %.4f\n", $1, $2, w}'
      ;;
  esac
}

size=$(stat -c %s "$bundle")
probe_out=bench/results/net_probe.tsv
printf 'rate\thosts\tchunk_bytes\tsize_bytes\tseconds\troot_tx_bytes\n' >"$probe_out"
printf 'rate\thosts\tmethod\trep\tstage_s\tbcast_s\twall_s\troot_tx_bytes\tbundle_bytes\n' >"$out"
for rate in $rates; do
  hosts_shape_link "$rate" 1mb
  for k in $hosts; do
    # The broadcast alone at two chunk sizes (bench/bcast_probe.c): the model's fit.
    for chunk_kib in 256 4096; do
      tx0=$(tx_bytes)
      line=$(mpirun_hosts -n "$k" "$BUILD/bin/bcast_probe" $(((size + 1048575) / 1048576)) "$chunk_kib" 2>/dev/null |
        grep '^bcast_probe:')
      tx1=$(tx_bytes)
      echo "$line" | sed 's/.*size=\([0-9]*\) chunk=\([0-9]*\) .*seconds=\([0-9.]*\)/\2 \1 \3/' |
        awk -v r="$rate" -v k="$k" -v tx="$((tx1 - tx0))" '{printf "%s\t%s\t%s\t%s\t%s\t%s\n", r, k, $1, $2, $3, tx}' \
        >>"$probe_out"
      echo "  net $rate $k hosts: $line" >&2
    done
    for rep in $(seq "$repeat"); do
      for method in pybcast pybcast-chain original; do
        tx0=$(tx_bytes)
        times=$(run_one "$method" "$k")
        tx1=$(tx_bytes)
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rate" "$k" "$method" "$rep" "$(echo "$times" | tr ' ' '\t')" \
          "$((tx1 - tx0))	$size" >>"$out"
        echo "  net $rate $k hosts rep $rep $method: $times" >&2
      done
    done
  done
done
clean_hosts
hosts_down
hosts_check_clean
PYBCAST_BUILD=$BUILD /usr/bin/python3 bench/net_report.py "$out"
