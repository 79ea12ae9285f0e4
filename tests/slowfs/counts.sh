#!/bin/bash
# The counters move as expected for known sequences of operations; reading the
# control file does not count; reset zeroes them.
. "$(dirname "$0")/lib.sh"
src=$SCRATCH/src mnt=$SCRATCH/mnt
make_tree "$src"
slowfs_mount "$src" "$mnt" --latency-ms=0

counters='lookup lookup_negative getattr open opendir readdir readlink statfs access read read_bytes metadata_ops'
all_zero() {
  local key
  for key in $counters; do
    [ "$(stat_of "$mnt" "$key")" -eq 0 ] || fail "$1: $key is not 0: $(slowfs_stats "$mnt")"
  done
}

slowfs_reset "$mnt"
all_zero "after reset"
[ "$(slowfs_stats "$mnt")" = "$(slowfs_stats "$mnt")" ] || fail "reading the stats changed them"
all_zero "after reading the stats"

N=40
for i in $(seq 1 $N); do ! stat "$mnt/missing_$i" 2>/dev/null; done
expect_at_least "$mnt" lookup $N "$N stats of missing files"
expect_at_least "$mnt" lookup_negative $N "$N stats of missing files"

# entry_timeout=0: the kernel asks again for every stat of the same name.
slowfs_reset "$mnt"
for i in $(seq 1 $N); do stat "$mnt/hello.txt" >/dev/null; done
expect_at_least "$mnt" lookup $N "$N stats of one file"
expect_at_least "$mnt" getattr $N "$N stats of one file (attr_timeout=0)"

slowfs_reset "$mnt"
K=25 size=0
for i in $(seq 1 $K); do
  cat "$mnt/many/module_number_$i.py" >/dev/null
  size=$((size + $(stat -c %s "$src/many/module_number_$i.py")))
done
expect_at_least "$mnt" open $K "reading $K files"
expect_at_least "$mnt" read $K "reading $K files"
expect_at_least "$mnt" read_bytes $size "reading $K files"

slowfs_reset "$mnt"
[ "$(ls "$mnt/many" | wc -l)" -eq 300 ] || fail "listing"
expect_at_least "$mnt" opendir 1 "ls"
expect_at_least "$mnt" readdir 2 "ls of 300 entries"

slowfs_reset "$mnt"
readlink "$mnt/link" >/dev/null
expect_at_least "$mnt" readlink 1 "readlink"

slowfs_reset "$mnt"
stat -f "$mnt" >/dev/null
expect_at_least "$mnt" statfs 1 "stat -f"

slowfs_reset "$mnt"
python3 -c 'import os, sys
for _ in range(int(sys.argv[2])): assert os.access(sys.argv[1], os.R_OK)' "$mnt/hello.txt" $K
expect_at_least "$mnt" access $K "$K access() calls"

total=0
for key in lookup getattr open opendir readdir readlink statfs access; do total=$((total + $(stat_of "$mnt" $key))); done
[ "$(stat_of "$mnt" metadata_ops)" -eq $total ] || fail "metadata_ops is not the sum: $(slowfs_stats "$mnt")"

slowfs_reset "$mnt"
all_zero "after the second reset"
! (echo bogus >"$mnt/.slowfs-stats") 2>/dev/null || fail "accepted a command other than reset"
slowfs_umount "$mnt"
echo "ok: counters follow lookups, stats, opens, reads, readdir, readlink, statfs, access; reset zeroes"
