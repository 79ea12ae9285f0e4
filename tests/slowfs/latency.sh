#!/bin/bash
# The latency is applied: K metadata requests take at least K times the latency,
# serialised requests from parallel clients add up, and the read cap holds.
# Only lower bounds (plus one generous check that --no-serialise overlaps).
. "$(dirname "$0")/lib.sh"
src=$SCRATCH/src mnt=$SCRATCH/mnt
make_tree "$src"

# elapsed_ms CMD...: runs CMD, prints its wall time in ms.
elapsed_ms() {
  local t0
  t0=$(now_ns)
  "$@"
  echo $((($(now_ns) - t0) / 1000000))
}
stat_missing() {  # stat_missing PREFIX COUNT
  local i
  for ((i = 0; i < $2; i++)); do ! stat "$mnt/$1_$i" 2>/dev/null; done
}
parallel_stats() {  # parallel_stats CLIENTS COUNT
  local c
  for ((c = 0; c < $1; c++)); do stat_missing "client${c}" "$2" & done
  wait
}

L=20 K=25
slowfs_mount "$src" "$mnt" --latency-ms=$L
slowfs_reset "$mnt"
ms=$(elapsed_ms stat_missing a $K)
ops=$(stat_of "$mnt" metadata_ops)
[ "$ops" -ge $K ] || fail "expected >= $K metadata ops, got $ops"
[ "$ms" -ge $((ops * L)) ] || fail "$ops metadata ops at ${L} ms took only ${ms} ms"
echo "sequential: $ops ops at ${L} ms in ${ms} ms"

C=4 K=10
slowfs_reset "$mnt"
ms=$(elapsed_ms parallel_stats $C $K)
ops=$(stat_of "$mnt" metadata_ops)
[ "$ops" -ge $((C * K)) ] || fail "expected >= $((C * K)) metadata ops, got $ops"
[ "$ms" -ge $((ops * L)) ] || fail "serialised: $ops ops from $C clients at ${L} ms took only ${ms} ms"
echo "serialised: $ops ops from $C clients in ${ms} ms"
slowfs_umount "$mnt"

# Unserialised, C clients overlap: far below the C*K*L a serialising server needs
# (a long latency, so that process start-up on a loaded machine does not matter).
L=100 K=8
slowfs_mount "$src" "$mnt" --latency-ms=$L --no-serialise
ms=$(elapsed_ms parallel_stats $C $K)
[ "$ms" -ge $((K * L)) ] || fail "unserialised: $K ops per client at ${L} ms took only ${ms} ms"
[ "$ms" -lt $((C * K * L * 9 / 10)) ] || fail "unserialised: $C clients did not overlap (${ms} ms)"
echo "unserialised: $C clients x $K ops at ${L} ms in ${ms} ms"
slowfs_umount "$mnt"

# 4 MiB/s: the 1 MiB file takes at least 250 ms to read.
slowfs_mount "$src" "$mnt" --latency-ms=0 --read-mibps=4
ms=$(elapsed_ms cmp -s "$mnt/pkg/sub/big.bin" "$src/pkg/sub/big.bin")
[ "$ms" -ge 250 ] || fail "1 MiB at 4 MiB/s took only ${ms} ms"
echo "read cap: 1 MiB at 4 MiB/s in ${ms} ms"
slowfs_umount "$mnt"
echo "ok: latency and read cap applied"
