#!/bin/bash
# Everything read through slowfs is identical to the source; the tree is read-only;
# the stats file is written at unmount.
. "$(dirname "$0")/lib.sh"
src=$SCRATCH/src mnt=$SCRATCH/mnt
make_tree "$src"
slowfs_mount "$src" "$mnt" --latency-ms=0 --stats-file="$SCRATCH/stats.json"

diff -r --no-dereference "$src" "$mnt" || fail "contents differ"
listing() { (cd "$1" && find . -printf '%p %y %s %m %l\n' | LC_ALL=C sort); }
[ "$(listing "$src")" = "$(listing "$mnt")" ] || fail "listings differ: $(diff <(listing "$src") <(listing "$mnt"))"
[ "$(readlink "$mnt/link")" = hello.txt ] || fail "readlink"
[ "$(tail -c 100 "$mnt/pkg/sub/big.bin" | od -An -tx1)" = "$(tail -c 100 "$src/pkg/sub/big.bin" | od -An -tx1)" ] ||
  fail "read at an offset"
[ "$(cat "$mnt/link")" = hello ] || fail "reading through a symlink"
[ "$(stat -c %s "$mnt/pkg/sub/big.bin")" = $((1024 * 1024 + 7)) ] || fail "size"

! touch "$mnt/new" 2>/dev/null || fail "created a file"
! (echo changed >"$mnt/hello.txt") 2>/dev/null || fail "wrote a file"
! mkdir "$mnt/newdir" 2>/dev/null || fail "created a directory"
! rm "$mnt/hello.txt" 2>/dev/null || fail "removed a file"
[ "$(cat "$src/hello.txt")" = hello ] && [ ! -e "$src/new" ] || fail "the source changed"

bytes=$(stat_of "$mnt" read_bytes)
slowfs_umount "$mnt"
python3 -m json.tool "$SCRATCH/stats.json" >/dev/null || fail "stats file is not JSON: $(cat "$SCRATCH/stats.json")"
[ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["read_bytes"])' "$SCRATCH/stats.json")" -ge "$bytes" ] ||
  fail "stats file lost reads: $(cat "$SCRATCH/stats.json")"
echo "ok: contents identical, read-only, stats file written at unmount"
