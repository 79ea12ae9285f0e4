#!/bin/bash
# Runtime caches on a real slowfs (FUSE) mount: TRITON_CACHE_DIR set there is
# flagged fuse/shared with the advice that python-mpi points it at node-local
# storage (exit 1); an unset cache whose default under $HOME is on the mount
# (XDG_CACHE_HOME -> $HOME/.cache) is flagged too; with $HOME local and
# nothing set, no cache row appears.
DOCTOR_SLOWFS=1
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"
skip_if_shared /usr/bin /bin "$SCRATCH"
src=$SCRATCH/src mnt=$SCRATCH/mnt
mkdir -p "$src/triton" "$src/home"
slowfs_mount "$src" "$mnt" --latency-ms=0
base=(env -i "HOME=$SCRATCH" PATH=/usr/bin:/bin)

run "${base[@]}" "TRITON_CACHE_DIR=$mnt/triton" "$PYBCAST" doctor --python "$PYTHON"
expect_status 1 "TRITON_CACHE_DIR on slowfs"
grep -q "^TRITON_CACHE_DIR  *fuse (fuse.slowfs)  *shared \[[0-9]\]  *$mnt/triton$" "$OUT" ||
  fail "no shared row for TRITON_CACHE_DIR: $(cat "$OUT")"
grep -q "TRITON_CACHE_DIR: .*python-mpi points it at node-local storage" "$OUT" || fail "no advice: $(cat "$OUT")"
grep -q "^1 of [0-9]* locations are on a shared file system.$" "$OUT" || fail "summary: $(cat "$OUT")"

run "${base[@]}" "TRITON_CACHE_DIR=$mnt/triton" "$PYBCAST" doctor --python "$PYTHON" --json
expect_status 1 "--json"
sel="[l for l in d['locations'] if l['source'] == 'TRITON_CACHE_DIR'][0]"
expect_json "$sel['path'], $sel['fs'], $sel['shared'], $sel['mount_type']" "('$mnt/triton', 'fuse', True, 'fuse.slowfs')"
expect_json "'node-local' in $sel['advice']" True

# Unset, with $HOME on the mount: the defaults under $HOME are flagged.
run env -i "HOME=$mnt/home" PATH=/usr/bin:/bin "$PYBCAST" doctor --python "$PYTHON" --json
expect_status 1 "HOME on slowfs"
expect_json "[l['path'] for l in d['locations'] if l['source'] == 'XDG_CACHE_HOME']" "['$mnt/home/.cache']"
expect_json "[l['path'] for l in d['locations'] if l['source'] == 'TRITON_CACHE_DIR']" "['$mnt/home/.triton/cache']"

# $HOME local, nothing set: no cache is listed.
run "${base[@]}" "$PYBCAST" doctor --python "$PYTHON" --json
expect_json "[l['source'] for l in d['locations'] if 'CACHE' in l['source'] or l['source'] == 'MPLCONFIGDIR']" "[]"

slowfs_umount "$mnt"
echo "ok: TRITON_CACHE_DIR on slowfs flagged fuse/shared (exit 1), defaults under a shared \$HOME too"
