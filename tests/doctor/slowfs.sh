#!/bin/bash
# PYTHONPATH and PYTHONUSERBASE inside a real slowfs (FUSE) mount: doctor flags them
# (and the user site under it) as fuse/shared with advice and exits 1; --measure
# attributes the import's operations to that mount, counted with strace where it is
# installed and estimated without it, and slowfs itself saw requests.
DOCTOR_SLOWFS=1
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"
skip_if_shared /usr/bin /bin "$SCRATCH"
version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
src=$SCRATCH/src mnt=$SCRATCH/mnt
mkdir -p "$src/lib/slowpkg" "$src/userbase/lib/python$version/site-packages" empty-bin
echo 'from . import a, b' >"$src/lib/slowpkg/__init__.py"
echo 'x = 1' >"$src/lib/slowpkg/a.py"
echo 'from .a import x' >"$src/lib/slowpkg/b.py"
slowfs_mount "$src" "$mnt" --latency-ms=0
slow=(env -i "HOME=$SCRATCH" PATH=/usr/bin:/bin "PYTHONPATH=$mnt/lib" "PYTHONUSERBASE=$mnt/userbase")
user_site=$mnt/userbase/lib/python$version/site-packages

run "${slow[@]}" "$PYBCAST" doctor --python "$PYTHON"
expect_status 1 "PYTHONPATH and PYTHONUSERBASE on slowfs"
for row in "^PYTHONPATH\[0\]  *fuse (fuse.slowfs)  *shared \[[0-9]\]  *$mnt/lib$" \
  "^PYTHONUSERBASE  *fuse (fuse.slowfs)  *shared \[[0-9]\]  *$mnt/userbase$" \
  "^sys.path\[[0-9]*\]  *fuse (fuse.slowfs)  *shared \[[0-9]\]  *$user_site$" \
  "^What to change:$" "PYTHONPATH: every import searches it first" "PYTHONUSERBASE: move PYTHONUSERBASE to scratch" \
  "sys.path: avoid ~/.local" "^3 of [0-9]* locations are on a shared file system.$"; do
  grep -q "$row" "$OUT" || fail "no line matching '$row' in: $(cat "$OUT")"
done
! grep -q "^cwd .*shared" "$OUT" || fail "the working directory is not on slowfs: $(cat "$OUT")"

run "${slow[@]}" "$PYBCAST" doctor --python "$PYTHON" --json
expect_status 1 "--json"
expect_json 'd["status"]' shared
expect_json 'd["shared_locations"]' 3
for source in PYTHONPATH PYTHONUSERBASE; do
  sel="[l for l in d['locations'] if l['source'] == '$source'][0]"
  expect_json "$sel['fs'], $sel['magic'], $sel['shared'], $sel['mount'], $sel['mount_type']" \
    "('fuse', '0x65735546', True, '$mnt', 'fuse.slowfs')"
  expect_json "$sel['advice'] is not None" True
done
expect_json "[l['path'] for l in d['locations'] if l['shared']]" "['$mnt/lib', '$mnt/userbase', '$user_site']"

# --measure: the operations of the import land on the FUSE mount.
check_measure() {  # METHOD
  local fs="[f for f in d['measure']['filesystems'] if f['mount'] == '$mnt']"
  expect_status 1 "--measure ($1)"
  expect_json 'd["measure"]["method"], d["measure"]["exit_status"]' "('$1', 0)"
  expect_json "len($fs)" 1
  expect_json "$fs[0]['fs'], $fs[0]['mount_type'], $fs[0]['shared']" "('fuse', 'fuse.slowfs', True)"
  expect_json "$fs[0]['ops'] >= 5 and $fs[0]['ops'] == d['measure']['shared_ops']" True
}
if command -v strace >/dev/null; then
  slowfs_reset "$mnt"
  run "${slow[@]/#PATH=*/PATH=$(dirname "$(command -v strace)"):/usr/bin:/bin}" \
    "$PYBCAST" doctor --python "$PYTHON" --json --measure 'import slowpkg'
  check_measure strace
  [ "$(slowfs_counter "$mnt" metadata_ops)" -gt 0 ] || fail "slowfs saw no requests: $(slowfs_stats "$mnt")"
  run "${slow[@]}" "$PYBCAST" doctor --python "$PYTHON" --measure 'import slowpkg'
  grep -q "^$mnt  *fuse (fuse.slowfs)  *shared  *[0-9]" "$OUT" || fail "no row for the mount: $(cat "$OUT")"
fi
run "${slow[@]/#PATH=*/PATH=$SCRATCH/empty-bin}" "$PYBCAST" doctor --python "$PYTHON" --json --measure 'import slowpkg'
check_measure estimate

slowfs_umount "$mnt"
echo "ok: PYTHONPATH, PYTHONUSERBASE and the user site on slowfs flagged fuse/shared (exit 1);" \
  "--measure puts the import's operations on the mount"
