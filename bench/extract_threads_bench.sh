#!/bin/bash
# Node-speed staging (issue 14): one tree as four bundles, each staged by
# `mpirun -n 1 pybcast stage --extract-threads N` (N in THREADS) against the
# tool a user would otherwise run on it, into /dev/shm; alternating, REPEAT
# rounds, medians and ratios. Whole processes on both sides, all under
# `mpirun -n 1` (so MPI start-up is in both).
#   zst   tar | zstd -3 -T0: one frame (streamed)     vs tar --zstd -xf
#   pack  pybcast pack dir: 4 MiB frames (frame pool) vs tar --zstd -xf
#   tar   uncompressed                                vs tar -xf
#   gz    tar -czf: one gzip member (ISA-L)           vs pigz -dc | tar -x, and the original algorithm
# Then one --report of the pack bundle per thread count (per-writer and
# per-decoder busy time, peak RSS against the stated bound).
#   [THREADS="1 2"] [FORMATS="zst pack tar gz"] bench/extract_threads_bench.sh [TREE] [REPEAT]
#   (default: /usr/lib/python3/dist-packages, 5)
set -euo pipefail
tree=${1:-/usr/lib/python3/dist-packages}
repeat=${2:-5}
read -r -a threads <<<"${THREADS:-1 2}"
read -r -a formats <<<"${FORMATS:-zst pack tar gz}"
bin=${PYBCAST_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}/bin
pybcast=${PYBCAST:-$bin/pybcast}
original=$bin/original_bcast
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
work=$(mktemp -d /dev/shm/pybcast-threadbench-XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
parent=$(dirname "$tree") name=$(basename "$tree")
tar -C "$parent" -cf "$work/b.tar" "$name"
zstd -q -3 -T0 "$work/b.tar" -o "$work/b.tar.zst"
gzip -6 -c "$work/b.tar" >"$work/b.tar.gz"
# The same files (no default excludes, no bytecode compiled), under the same name.
mkdir "$work/prefix" && cp -a "$tree" "$work/prefix/$name"
"$pybcast" pack dir --no-default-excludes --no-compile -o "$work/b.pack.tar.zst" "$work/prefix" >/dev/null 2>&1
rm -rf "$work/prefix"
echo "bundles of $tree ($(tar -tf "$work/b.tar" | wc -l) entries): tar $(du -m "$work/b.tar" | cut -f1) MiB," \
  "zst $(du -m "$work/b.tar.zst" | cut -f1) MiB ($(zstd -l "$work/b.tar.zst" | awk 'NR==2 {print $1}') frame)," \
  "pack $(du -m "$work/b.pack.tar.zst" | cut -f1) MiB ($(zstd -l "$work/b.pack.tar.zst" | awk 'NR==2 {print $1}') frames)," \
  "gz $(du -m "$work/b.tar.gz" | cut -f1) MiB; $(nproc) cores" >&2
seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; printf '%.3f\n' "$(echo "$(date +%s.%N) - $s" | bc)"; }
fresh() { chmod -R u+w "$work/c" 2>/dev/null || true; rm -rf "$work/c"; mkdir "$work/c"; }
stage() { mpirun -n 1 "$pybcast" stage --chroot "$work/c" --pkgroot "$work" --extract-threads "$@"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
for format in "${formats[@]}"; do
  declare -A ref=()
  case $format in
    zst) bundle=b.tar.zst ref[tar --zstd -xf]="tar -C $work/c --zstd -xf $work/$bundle" ;;
    pack) bundle=b.pack.tar.zst ref[tar --zstd -xf]="tar -C $work/c --zstd -xf $work/$bundle" ;;
    tar) bundle=b.tar ref[tar -xf]="tar -C $work/c -xf $work/$bundle" ;;
    gz)
      bundle=b.tar.gz ref[pigz -dc | tar -x]="pigz -dc $work/$bundle | tar -C $work/c -x"
      [ -x "$original" ] && ref[original algorithm]="$original -p $work/c $work/$bundle"
      ;;
  esac
  declare -A runs=()
  for ((rep = 1; rep <= repeat; rep++)); do
    for n in "${threads[@]}"; do fresh; runs[$n]+=" $(seconds stage "$n" "$bundle")"; done
    for key in "${!ref[@]}"; do fresh; runs[$key]+=" $(seconds mpirun -n 1 sh -c "${ref[$key]}")"; done
  done
  declare -A med=()
  for key in "${!runs[@]}"; do med[$key]=$(echo "${runs[$key]}" | median); done
  echo "== $format bundle ($bundle): median seconds of $repeat alternating runs (all under mpirun -n 1)"
  for key in "${!ref[@]}"; do printf '  %-34s %8s  %s\n' "$key" "${med[$key]}" "(${runs[$key]# })"; done
  for n in "${threads[@]}"; do
    printf '  %-34s %8s  %s\n' "pybcast stage --extract-threads $n" "${med[$n]}" "(${runs[$n]# })"
  done
  for n in "${threads[@]}"; do
    line="  ratios: $n thread(s)"
    for key in "${!ref[@]}"; do line+=$(awk -v t="${med[$n]}" -v r="${med[$key]}" -v k="$key" 'BEGIN { printf " / %s %.2f;", k, t / r }'); done
    [ "$n" = "${threads[0]}" ] || line+=$(awk -v t="${med[$n]}" -v one="${med[${threads[0]}]}" -v f="${threads[0]}" 'BEGIN { printf " / %s thread(s) %.2f", f, t / one }')
    echo "$line"
  done
  unset runs med ref
done
for n in "${threads[@]}"; do
  fresh
  echo "== --report, --extract-threads $n, pack bundle"
  stage "$n" --report b.pack.tar.zst 2>&1 >/dev/null | grep -E "bundle |extract|writer|frame|decoder|memory|throughput"
done
