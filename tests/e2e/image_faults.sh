#!/bin/bash
# Image bundles (issue 29) when things go wrong: a damaged image (a flipped
# bit, a cut) is refused on every rank with one message and nothing is
# published; a second job step started while another runs from the same
# image on the same nodes mounts its own copy (cache/<key>.1) and leaves the
# first's alone; a job step whose node leader is killed with SIGKILL leaves
# no mount and no image server behind, and the next step mounts again; a
# dead mount (its server killed without its helper) is cleared by
# `pybcast gc`. Two image bundles in one job are refused with what to do
# instead. The hostile corpus's classes are refused by `pack image`; a
# hostile image made elsewhere and sealed can write nothing when mounted
# (read-only, nosuid, nodev) and is refused on every rank when extracted.
. "$(dirname "$0")/../lib/mpi.sh"
command -v tar2sqfs >/dev/null && command -v squashfuse_ll >/dev/null ||
  skip "squashfs-tools-ng and squashfuse are not installed"
"$PYBCAST" pack python --python /usr/bin/python3 --format squashfs -o "$PKGROOT/python.sqfs" 2>/dev/null
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2
size=$(stat -c %s "$PKGROOT/python.sqfs")

cp "$PKGROOT/python.sqfs" "$PKGROOT/flipped.sqfs"
at=$((size / 2))
byte=$(od -An -tu1 -j "$at" -N1 "$PKGROOT/flipped.sqfs" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$PKGROOT/flipped.sqfs" bs=1 seek="$at" conv=notrunc status=none
head -c $((size - 4096)) "$PKGROOT/python.sqfs" >"$PKGROOT/cut.sqfs"
for bad in flipped cut; do
  PYTHON_MPI_PACKAGES=$bad.sqfs run_mpi 4 "$PYTHON_MPI" -c "print('ran')"
  case $bad in
    flipped) expect_failure_everywhere 4 "bundle '$bad.sqfs': image is damaged: its content hash is" ;;
    cut) expect_failure_everywhere 4 "bundle '$bad.sqfs': image has no pybcast trailer at its end" ;;
  esac
  grep -q "^ran" "$SCRATCH/out" && fail "$bad: Python ran"
  expect_clean_cache
  [ -z "$(find "$CHROOT" -path "*/images/*" 2>/dev/null)" ] || fail "$bad: an image entry was published"
done

# One image per job for now: an image beside another bundle is refused, saying what to do.
cp "$PKGROOT/python.sqfs" "$PKGROOT/other.sqfs"
PYTHON_MPI_PACKAGES=python.sqfs:other.sqfs run_mpi 4 "$PYTHON_MPI" -c "print('ran')"
expect_failure_everywhere 4 "is an image: an image must be the only bundle of a job for now"
grep -q "pybcast pack image BUNDLE" "$SCRATCH/out" || fail "the error does not say how: $(cat "$SCRATCH/out")"
expect_clean_cache

# The hostile corpus's classes are refused at pack: no image is written.
outside=$SCRATCH/outside
mkdir -p "$outside"
hostile_tool=$(dirname "$0")/../tools/make_hostile.py
for kind in dotdot absolute symlink-escape symlink-etc symlink-chain hardlink-outside chardev fifo; do
  python3 "$hostile_tool" "$kind" "$SCRATCH/$kind.tar.gz" "$outside"
  if "$PYBCAST" pack image "$SCRATCH/$kind.tar.gz" -o "$SCRATCH/$kind.sqfs" 2>"$SCRATCH/pack.err"; then
    fail "pack image accepted the hostile bundle $kind"
  fi
  grep -q "^pybcast: error: " "$SCRATCH/pack.err" || fail "$kind: no one-line error: $(cat "$SCRATCH/pack.err")"
  [ ! -e "$SCRATCH/$kind.sqfs" ] || fail "$kind: an image was left behind"
done

# A hostile image made elsewhere and sealed (pack image of one squashfs file): an absolute
# symlink out of the tree, a device node, a setuid file beside the Python. Mounted, staging
# writes nothing but the image, nothing can be written into it (read-only), and its device
# and setuid bits are dead (nodev, nosuid); extracted (no FUSE), staging's member rules
# refuse it on every rank. (A symlink in the tree is followed by the job's own code, as
# with a tar bundle's: it grants nothing the user does not have.)
sqfs2tar --no-skip "$PKGROOT/python.sqfs" >"$SCRATCH/hostile.tar" 2>/dev/null
python3 - "$SCRATCH/hostile.tar" "$outside" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "a") as tar:
    for name, kind, extra in [("escape", tarfile.SYMTYPE, sys.argv[2]), ("dev/null", tarfile.CHRTYPE, None),
                              ("bin/suid", tarfile.REGTYPE, None)]:
        info = tarfile.TarInfo(name)
        info.type = kind
        if kind == tarfile.SYMTYPE:
            info.linkname = extra
        if kind == tarfile.CHRTYPE:
            info.devmajor, info.devminor, info.mode = 1, 3, 0o666
        data = b"#!/bin/sh\nid -u\n" if kind == tarfile.REGTYPE else b""
        if data:
            info.size, info.mode = len(data), 0o4755
        tar.addfile(info, io.BytesIO(data) if data else None)
PY
tar2sqfs --quiet --force --no-skip "$SCRATCH/hostile-raw.sqfs" <"$SCRATCH/hostile.tar" >/dev/null
"$PYBCAST" pack image "$SCRATCH/hostile-raw.sqfs" -o "$PKGROOT/hostile.sqfs" 2>"$SCRATCH/pack.err" ||
  fail "pack image cannot seal a squashfs image: $(cat "$SCRATCH/pack.err")"
"$PYBCAST" pack image "$PKGROOT/hostile.sqfs" -o "$SCRATCH/twice.sqfs" 2>"$SCRATCH/pack.err" &&
  fail "pack image sealed an image bundle twice"
grep -q "is an image bundle already" "$SCRATCH/pack.err" || fail "sealing twice: $(cat "$SCRATCH/pack.err")"
PYTHON_MPI_PACKAGES=hostile.sqfs run_mpi 4 "$PYTHON_MPI" -c "
import os, sys
p = sys.prefix
opts = [l.split()[5] for l in open('/proc/self/mountinfo') if l.split()[4] == p]
try:
    open(os.path.join(p, 'dev/null')).close(); dev = 'opened'
except OSError as e:
    dev = 'refused'
try:
    open(os.path.join(p, 'new'), 'w').close(); new = 'written'
except OSError as e:
    new = 'refused'
print('hostile', opts, 'device', dev, 'new file', new, 'suid bit', oct(os.stat(os.path.join(p, 'bin/suid')).st_mode & 0o4000))
"
[ "$STATUS" -eq 0 ] || fail "the hostile image's job failed: $(cat "$SCRATCH/out")"
[ "$(count_matches "hostile \['ro,nosuid,nodev,[^ ]*'\] device refused new file refused suid bit 0o4000")" -eq 4 ] ||
  fail "mounted hostile image: not read-only, nosuid and nodev on every rank: $(cat "$SCRATCH/out")"
[ -z "$(ls -A "$outside")" ] || fail "something was written outside: $(ls -A "$outside")"
export PYTHON_MPI_CHROOT=$SCRATCH/nofuse-hostile
mkdir -p "$PYTHON_MPI_CHROOT"
PYBCAST_TEST_NO_FUSE=1 PYTHON_MPI_PACKAGES=hostile.sqfs run_mpi 4 "$PYTHON_MPI" -c "print('ran')"
expect_failure_everywhere 4 "bundle 'hostile.sqfs': entry 'dev/null': device nodes are not allowed in bundles"
grep -q "^ran" "$SCRATCH/out" && fail "extracted hostile image: Python ran"
[ -z "$(find "$PYTHON_MPI_CHROOT" -mindepth 3 -maxdepth 4 -path '*/cache/*' | head -1)" ] ||
  fail "extracted hostile image: an entry was published"
[ -z "$(ls -A "$outside")" ] || fail "something was written outside: $(ls -A "$outside")"
export PYTHON_MPI_CHROOT=$CHROOT

# SIGKILL of the leader of virtual node 1 (rank 2) while every rank runs.
export PYTHON_MPI_PACKAGES=python.sqfs
launch_cmd 4
timeout -k 10 60 "${LAUNCH[@]}" "$PYTHON_MPI" -c "import time; print('up', flush=True); time.sleep(60)" \
  >"$SCRATCH/killed.out" 2>&1 &
job=$!
for _ in $(seq 200); do
  [ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 2 ] && break
  sleep 0.1
done
[ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 2 ] || fail "not mounted on both nodes: $(cat "$SCRATCH/killed.out")"
# A second step on the same nodes while the first runs: its own mount, at the next slot.
run_mpi 4 "$PYTHON_MPI" -c "import sys, os; print('second', sys.prefix, os.path.ismount(sys.prefix))"
[ "$STATUS" -eq 0 ] || fail "a second concurrent step failed: $(cat "$SCRATCH/out")"
[ "$(count_matches "second $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/[0-9a-f]{32}\.1 True")" -eq 4 ] ||
  fail "the second step did not run from its own mount at slot 1: $(cat "$SCRATCH/out")"
[ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 2 ] ||
  fail "the first step's mounts did not survive the second's end: $(grep " $CHROOT" /proc/self/mountinfo)"
# This test's ranks only: other tests may run python-mpi on the machine at the same time.
my_ranks() {
  local p
  for p in $(pgrep -f -- "$PYTHON_MPI" || true); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PYTHON_MPI_CHROOT=$CHROOT" && echo "$p"
  done
  return 0
}
leader=$(pid_of_rank 2 $(my_ranks))
[ -n "$leader" ] || fail "rank 2 not found"
kill -KILL "$leader"
wait "$job" || true
for _ in $(seq 50); do
  [ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 0 ] && ! pgrep -f "(pybcast-image-server|squashfuse_ll).*$CHROOT" >/dev/null && break
  sleep 0.1
done
[ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 0 ] || fail "a mount is left: $(grep " $CHROOT" /proc/self/mountinfo)"
! pgrep -af "(pybcast-image-server|squashfuse_ll).*$CHROOT" || fail "an image server is left"
run_mpi 4 "$PYTHON_MPI" -c "import sys; print('again', sys.prefix)"
[ "$STATUS" -eq 0 ] || fail "the next step failed: $(cat "$SCRATCH/out")"
[ "$(count_matches "again $CHROOT")" -eq 4 ] || fail "the next step did not run everywhere: $(cat "$SCRATCH/out")"

# A process of the job that outlives its rank (here a child rank 1 forks, which imports
# modules 2 s after the rank exited) still reads from the mount: the node leader, whose
# death ends the mount, waits for every process holding the mount's users lock. (An
# exit-time destructor of a library mapped from the image, torch's, is the same case.)
run_mpi 4 "$PYTHON_MPI" -c "
import os, sys, time
if os.environ.get('OMPI_COMM_WORLD_RANK', os.environ.get('PMI_RANK')) == '1' and os.fork() == 0:
    time.sleep(2)
    try:
        import email.mime.text, xml.dom.minidom
        what = 'imported ' + email.mime.text.__file__
    except Exception as e:
        what = 'failed ' + repr(e)
    open('$SCRATCH/child.out', 'w').write(what)
    os._exit(0)
print('parent done', flush=True)
"
[ "$STATUS" -eq 0 ] || fail "the job with a lingering child failed: $(cat "$SCRATCH/out")"
[ -f "$SCRATCH/child.out" ] || fail "the child wrote nothing"
grep -qE "^imported $CHROOT/pybcast-[0-9]+/vnode-0/cache/[0-9a-f]{32}/" "$SCRATCH/child.out" ||
  fail "the child outliving its rank could not import from the mount: $(cat "$SCRATCH/child.out")"

# A dead mount: a server killed together with fusermount3's auto_unmount helper (as a
# step's cgroup may be killed whole) leaves the mount point answering ENOTCONN. gc clears
# it, at cache/<key> and at a further slot, and the next step runs.
root0=$(echo "$CHROOT"/pybcast-*/vnode-0)
key=$(basename "$(echo "$root0"/images/*)")
for slot in "$key" "$key.3"; do
  mkdir -p "$root0/cache/$slot"
  squashfuse_ll -f "$root0/images/$key/image.sqfs" "$root0/cache/$slot" &
  server=$!
  for _ in $(seq 100); do mountpoint -q "$root0/cache/$slot" && break; sleep 0.05; done
  kill -KILL "$server"
  wait "$server" 2>/dev/null || true
done
stat "$root0/cache/$key" >"$SCRATCH/stat.out" 2>&1 || true
grep -q "Transport endpoint is not connected" "$SCRATCH/stat.out" || fail "no dead mount was made: $(cat "$SCRATCH/stat.out")"
"$PYBCAST" gc --chroot "$CHROOT" --older-than 365d >"$SCRATCH/gc.out" 2>&1 || fail "gc failed: $(cat "$SCRATCH/gc.out")"
grep -qE "vnode-0: removed [0-9]+ stale image mounts" "$SCRATCH/gc.out" || fail "gc did not clear the dead mounts: $(cat "$SCRATCH/gc.out")"
[ "$(grep -c " $CHROOT" /proc/self/mountinfo || true)" -eq 0 ] || fail "a mount is left after gc: $(grep " $CHROOT" /proc/self/mountinfo)"
[ ! -e "$root0/cache/$key.3" ] || fail "gc left the dead slot's directory"
[ -z "$(find "$CHROOT" -maxdepth 4 -name "*.1")" ] || fail "gc left an ended step's slot: $(find "$CHROOT" -name "*.1")"
[ -f "$root0/images/$key/image.sqfs" ] || fail "gc --older-than 365d removed the image"
run_mpi 4 "$PYTHON_MPI" -c "import sys; print('after gc', sys.prefix)"
[ "$(count_matches "after gc $CHROOT/pybcast-[0-9]+/vnode-[01]/cache/[0-9a-f]{32}$")" -eq 4 ] ||
  fail "the step after gc did not run everywhere: $(cat "$SCRATCH/out")"
"$PYBCAST" gc --chroot "$CHROOT" --all >"$SCRATCH/gc.out" 2>&1 || fail "gc --all failed: $(cat "$SCRATCH/gc.out")"
[ -z "$(find "$CHROOT" -name image.sqfs)" ] || fail "gc --all left an image: $(find "$CHROOT" -name image.sqfs)"
echo "ok: damaged images refused on every rank; a concurrent step mounts its own slot; SIGKILL leaves no mount or" \
  "server; the next step mounts again; gc clears dead mounts and removes images"
