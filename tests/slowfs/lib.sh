# Sourced by every slowfs test: skips (exit 77) where FUSE cannot mount, gives each
# test a scratch directory, and never leaves a mount behind.
# fail, skip, REPO and the scratch directory: tests/lib/common.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
. "$REPO/bench/lib/slowfs.sh"

if ! why=$(slowfs_check); then
  skip "$why"
fi

make_scratch "${TMPDIR:-/tmp}/slowfs-test.XXXXXX" NO_TRAP
_cleanup() {
  local status=$?
  slowfs_cleanup_all
  # Never recurse into a mount that survived: it would reach the source tree.
  if findmnt -rn -o TARGET | grep -qF "$SCRATCH/"; then
    echo "a mount is left under $SCRATCH; not removing it" >&2
    status=1
  else
    rm -rf "$SCRATCH"
  fi
  exit "$status"
}
trap _cleanup EXIT

# stat_of MNT KEY: one counter of the mount.
stat_of() { slowfs_counter "$1" "$2" || fail "no counter $2 in $(slowfs_stats "$1")"; }

# expect_at_least MNT KEY MIN WHAT
expect_at_least() {
  local got
  got=$(stat_of "$1" "$2")
  [ "$got" -ge "$3" ] || fail "$4: expected $2 >= $3, got $got: $(slowfs_stats "$1")"
}

now_ns() { date +%s%N; }

# A small tree with the shapes Python installs have: nested packages, symlinks,
# empty and large files, a name with a space, and a directory of many entries.
make_tree() {
  local root=$1 i
  mkdir -p "$root/pkg/sub" "$root/many" "$root/empty dir"
  echo "hello" >"$root/hello.txt"
  : >"$root/pkg/__init__.py"
  head -c 4096 /dev/urandom >"$root/pkg/page.bin"
  head -c $((1024 * 1024 + 7)) /dev/urandom >"$root/pkg/sub/big.bin"
  printf 'x = 1\n' >"$root/pkg/sub/with space.py"
  ln -s hello.txt "$root/link"
  ln -s does-not-exist "$root/dangling"
  for i in $(seq 1 300); do echo "$i" >"$root/many/module_number_$i.py"; done
}
