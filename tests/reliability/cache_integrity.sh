#!/bin/bash
# Issue 18, C4 and C10: published cache entries.
#   1. read-only: a job (of an ordinary user, nobody here) editing the staged
#      stdlib gets EACCES, and the next job runs the original;
#   2. a hit needs a well-formed stage record of the right key: deleted, the
#      entry is staged again;
#   3. --verify-cache re-hashes against the manifests: a file root changed is
#      found, named, and staged again; `pybcast doctor` names it too;
#   4. a bundle with a mode-000 directory (ordinary user): staged, then gc
#      removes the entry and a killed extraction's tmp directory; nothing left.
#   5. (issue 24) the bytecode mirror is as trustworthy as the entry: a job of
#      an ordinary user cannot replace mirror bytecode (EACCES); a mirror
#      replaced or removed (root can) is not a hit; a mirror file root
#      changed is named by doctor and by --verify-cache, which stages again.
. "$(dirname "$0")/../lib/mpi.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python.tar.zst" 2>/dev/null

# A place nobody can use: their own CHROOT and a copy of the bundle.
SHM=$(mktemp -d /dev/shm/pybcast-integrity-XXXXXX)
trap 'rm -rf "$SHM"; scratch_cleanup' EXIT
chmod 0755 "$SHM"
mkdir -p "$SHM/bundles"
cp "$PKGROOT/python.tar.zst" "$SHM/bundles/"
install -d -o nobody -g nogroup "$SHM/nobody" "$SHM/nobody/chroot"
nobody_binaries "$SHM"

# nobody's job: python-mpi on 2 ranks / 2 virtual nodes; output in $SCRATCH/out.
nobody_job() {
  set +e
  cd "$SHM/nobody"  # a working directory nobody can enter (the build tree may not be one)
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -u OMPI_ALLOW_RUN_AS_ROOT -u OMPI_ALLOW_RUN_AS_ROOT_CONFIRM HOME="$SHM/nobody" \
    OMPI_MCA_btl_vader_backing_directory="$SHM/nobody" PYTHON_MPI_CHROOT="$SHM/nobody/chroot" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    PYTHON_MPI_PKGROOT="$SHM/bundles" PYTHON_MPI_PACKAGES=python.tar.zst PYBCAST_VIRTUAL_NODES=2 \
    timeout 120 mpirun.openmpi -n 2 "$@" >"$SCRATCH/out" 2>&1
  STATUS=$?
  cd - >/dev/null
  set -e
}
[ "$PYBCAST_MPI" = openmpi ] || skip "the ordinary-user part runs Open MPI's mpirun"

# 1. An edit of the staged stdlib by a job.
nobody_job "$NOBODY_PYTHON_MPI" -c '
import json.decoder as d
try:
    open(d.__file__, "a").write("\nprint(\"TAMPERED\")\n")
    print("EDITED")
except PermissionError:
    print("DENIED")'
[ "$STATUS" -eq 0 ] || fail "nobody's first job: $(cat "$SCRATCH/out")"
[ "$(count_matches DENIED)" -eq 2 ] || fail "the staged stdlib was writable: $(cat "$SCRATCH/out")"
nobody_job "$NOBODY_PYTHON_MPI" -c 'import json.decoder; print("RAN")'
[ "$STATUS" -eq 0 ] && [ "$(count_matches RAN)" -eq 2 ] || fail "nobody's second job: $(cat "$SCRATCH/out")"
! grep -q TAMPERED "$SCRATCH/out" || fail "the next job ran the edited stdlib"
leftover=$(find "$SHM"/nobody/chroot/pybcast-65534/vnode-*/cache -mindepth 1 -perm /222 ! -type l -print -quit)
[ -z "$leftover" ] || fail "writable in a published entry: $leftover"
echo "ok: published entries are read-only; a job's edit of the staged stdlib is refused and the next job runs the original"

# 5a. The bytecode mirror, where CPython reads the bundle's unchecked-hash
# .pyc without looking at the source: a job cannot replace one. (python-mpi
# sets PYTHONPYCACHEPREFIX unless PYTHONDONTWRITEBYTECODE is set, as users' shells do not.)
nobody_job env -u PYTHONDONTWRITEBYTECODE "$NOBODY_PYTHON_MPI" -c '
import importlib.util, os, sys, json.decoder as d
mirror = importlib.util.cache_from_source(d.__file__)
assert mirror.startswith(sys.pycache_prefix), mirror
try:
    with open(mirror + ".new", "wb") as f:
        f.write(b"poison")
    os.replace(mirror + ".new", mirror)
    print("REPLACED")
except PermissionError:
    print("DENIED")'
[ "$STATUS" -eq 0 ] || fail "nobody's mirror job: $(cat "$SCRATCH/out")"
[ "$(count_matches DENIED)" -eq 2 ] || fail "the bytecode mirror was writable: $(cat "$SCRATCH/out")"
leftover=$(find "$SHM"/nobody/chroot/pybcast-65534/vnode-*/pycache -mindepth 1 -path '*/cache/*' -perm /222 ! -type l -print -quit)
[ -z "$leftover" ] || fail "writable in a bytecode mirror: $leftover"
echo "ok: the bytecode mirror is published read-only; a job cannot replace its bytecode"

# 4. A mode-000 directory in a bundle, as nobody: staged, and gc removes
# everything, also a killed extraction's tmp directory holding such a directory.
python3 - "$SHM/bundles/locked.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("locked"); d.type = tarfile.DIRTYPE; d.mode = 0o000; t.addfile(d)
    data = b"x\n"; f = tarfile.TarInfo("locked/inside"); f.size = len(data); f.mode = 0o644
    t.addfile(f, io.BytesIO(data))
PY
chmod 0644 "$SHM/bundles/locked.tar"
nobody_job "$NOBODY_PYBCAST" stage --chroot "$SHM/nobody/chroot" --pkgroot "$SHM/bundles" python.tar.zst locked.tar
[ "$STATUS" -eq 0 ] || fail "staging a bundle with a mode-000 directory: $(cat "$SCRATCH/out")"
root=$(ls -d "$SHM"/nobody/chroot/pybcast-65534/vnode-0)
key=$(ls "$root/cache" | head -1)
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
  "mkdir -p '$root/tmp-$key-00000000dead/locked/deeper' && chmod 000 '$root/tmp-$key-00000000dead/locked'"
set +e
setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_PYBCAST" gc --all --chroot "$SHM/nobody/chroot" >"$SCRATCH/gc" 2>&1
gc_status=$?
set -e
[ "$gc_status" -eq 0 ] || fail "nobody's gc failed ($gc_status): $(cat "$SCRATCH/gc")"
left=$(find "$SHM"/nobody/chroot/pybcast-65534/vnode-* -maxdepth 2 \( -path '*/cache/*' -o -name 'tmp-*' \) -print -quit)
[ -z "$left" ] || fail "gc left: $left ($(cat "$SCRATCH/gc"))"
echo "ok: a mode-000 directory in a bundle is staged, and gc removes its entry and a killed extraction's tmp directory"

# 2. The stage record deleted (root can): the entry is staged again.
stage 2 --virtual-nodes 1 python.tar.zst
[ "$STATUS" -eq 0 ] || fail "first stage: $(cat "$SCRATCH/out")"
prefix=$(ls -d "$CHROOT"/pybcast-0/vnode-0/cache/*)
rm "$prefix/.pybcast/stage.json"
stage 2 --virtual-nodes 1 python.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage after the record was deleted: $(cat "$SCRATCH/out")"
grep -q "warning: .*cache entry $prefix has no usable stage record.*; staging it again" "$SCRATCH/out" ||
  fail "no warning about the missing record: $(cat "$SCRATCH/out")"
[ -f "$prefix/.pybcast/stage.json" ] || fail "the entry was used without its stage record"
echo "ok: an entry without its stage record is not a hit: it is staged again"

# 3. A staged file changed behind our back (root can write read-only files):
# --verify-cache finds it by the manifest's xxh3, says which, stages again.
decoder=$(ls "$prefix"/lib/python3*/json/decoder.py | head -1)
original=$(md5sum <"$decoder")
echo '# changed' >>"$decoder"
"$PYBCAST" doctor --chroot "$CHROOT" >"$SCRATCH/doctor" 2>&1 || true
grep -q "${decoder#"$prefix"/}: .*content differs from the manifest\|${decoder#"$prefix"/}: .*bytes, the manifest says" "$SCRATCH/doctor" ||
  fail "doctor does not name the changed file: $(cat "$SCRATCH/doctor")"
stage 2 --virtual-nodes 1 python.tar.zst
grep -q "warning" "$SCRATCH/out" && fail "without --verify-cache a hit stays cheap (no re-hash): $(cat "$SCRATCH/out")"
stage 2 --virtual-nodes 1 --verify-cache python.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage --verify-cache: $(cat "$SCRATCH/out")"
grep -q "cache entry $prefix was changed after staging (1 of [0-9]* files differ .*first: ${decoder#"$prefix"/}: " "$SCRATCH/out" ||
  fail "the changed file is not named: $(cat "$SCRATCH/out")"
[ "$(md5sum <"$decoder")" = "$original" ] || fail "the changed file is still there after --verify-cache"
stage 2 --virtual-nodes 1 --verify-cache python.tar.zst
! grep -q warning "$SCRATCH/out" || fail "a verified clean entry warned: $(cat "$SCRATCH/out")"
echo "ok: --verify-cache and doctor re-hash against the manifests and name the changed file; the entry is staged again"

# 5b. The mirror of the entry replaced by another directory, or removed
# (root, or a chmod, can): not a hit, staged again, even without --verify-cache.
mirror=$CHROOT/pybcast-0/vnode-0/pycache$prefix
[ -d "$mirror" ] || fail "no bytecode mirror at $mirror"
mv "$mirror" "$mirror.old" && cp -a "$mirror.old" "$mirror" && rm -rf "$mirror.old"
stage 2 --virtual-nodes 1 python.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage after the mirror was replaced: $(cat "$SCRATCH/out")"
grep -q "cache entry $prefix has a bytecode mirror that is not the one staged with it (replaced); staging it again" \
  "$SCRATCH/out" || fail "a replaced mirror was a hit: $(cat "$SCRATCH/out")"
chmod -R u+w "$mirror" && rm -rf "$mirror"
stage 2 --virtual-nodes 1 python.tar.zst
grep -q "cache entry $prefix has lost its bytecode mirror; staging it again" "$SCRATCH/out" ||
  fail "a removed mirror was a hit: $(cat "$SCRATCH/out")"
[ -d "$mirror" ] || fail "the mirror was not staged again"
echo "ok: a hit checks that the entry's bytecode mirror is the one staged with it; a replaced or removed one is staged again"

# 5c. One mirror file replaced by root (the modes do not stop root): doctor and
# --verify-cache name it (not a hard link to the entry's __pycache__ file), and
# --verify-cache stages again.
pyc=$(cd "$mirror" && ls lib/python3*/json/decoder.*.pyc | head -1)
rm -f "$mirror/$pyc" && cp "$prefix/${pyc%/*}/__pycache__/${pyc##*/}" "$mirror/$pyc"
"$PYBCAST" doctor --chroot "$CHROOT" >"$SCRATCH/doctor" 2>&1 || true
grep -qF "bytecode mirror: $pyc: not the entry's" "$SCRATCH/doctor" || fail "doctor does not name the mirror file: $(cat "$SCRATCH/doctor")"
stage 2 --virtual-nodes 1 --verify-cache python.tar.zst
[ "$STATUS" -eq 0 ] || fail "stage --verify-cache: $(cat "$SCRATCH/out")"
grep -qF "first: bytecode mirror: $pyc: not the entry's ${pyc%/*}/__pycache__/${pyc##*/} (replaced))" "$SCRATCH/out" ||
  fail "--verify-cache does not name the mirror file: $(cat "$SCRATCH/out")"
[ "$(stat -c %i "$mirror/$pyc")" = "$(stat -c %i "$prefix/${pyc%/*}/__pycache__/${pyc##*/}")" ] ||
  fail "the mirror file was not repaired"
stage 2 --virtual-nodes 1 --verify-cache python.tar.zst
! grep -q warning "$SCRATCH/out" || fail "a repaired entry warned: $(cat "$SCRATCH/out")"
echo "ok: doctor and --verify-cache check each mirror file is the entry's own; a replaced one is named and repaired"

# 6. --verify-cache verifies by identity, however the bundles are spelled
# (the key is built from resolved paths; the manifests were looked up by the
# typed names and silently skipped), and names what it cannot verify.
echo '# changed again' >>"$decoder"
for spelling in ./python.tar.zst "$PKGROOT/python.tar.zst"; do
  stage 2 --virtual-nodes 1 --verify-cache "$spelling"
  [ "$STATUS" -eq 0 ] || fail "stage --verify-cache $spelling: $(cat "$SCRATCH/out")"
  grep -q "cache entry $prefix was changed after staging (1 of [0-9]* files differ .*first: ${decoder#"$prefix"/}: " \
    "$SCRATCH/out" || fail "--verify-cache $spelling did not verify the entry staged as python.tar.zst: $(cat "$SCRATCH/out")"
  echo '# changed again' >>"$decoder"
done
tar -C "$SCRATCH" -czf "$PKGROOT/plain.tar.gz" out
stage 2 --virtual-nodes 1 python.tar.zst plain.tar.gz
stage 2 --virtual-nodes 1 --verify-cache python.tar.zst plain.tar.gz
[ "$STATUS" -eq 0 ] || fail "stage --verify-cache with a plain tarball: $(cat "$SCRATCH/out")"
grep -q "warning: .*--verify-cache cannot check what bundle 'plain.tar.gz' staged in .*: it has no manifest" \
  "$SCRATCH/out" || fail "an unverifiable bundle was skipped in silence: $(cat "$SCRATCH/out")"
echo "ok: --verify-cache verifies by the bundles' identity whatever their spelling, and names a bundle it cannot verify"
