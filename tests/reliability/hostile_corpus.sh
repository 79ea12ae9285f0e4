#!/bin/bash
# The hostile corpus (tests/tools/make_hostile.py), staged by 4 ranks on 2
# virtual nodes. Refused kinds: one message naming the bundle (and entry) on
# every rank, non-zero exit, nothing created outside the tmp dir, tmp dir
# removed, no cache entry. Odd-but-legal kinds: staged, with the documented
# treatment. Prints a matrix row per kind. HOSTILE_EXTRACT_THREADS (default 1)
# is the --extract-threads of every run: CTest runs the corpus with 1 and 8.
. "$(dirname "$0")/../lib/mpi.sh"
THREADS=${HOSTILE_EXTRACT_THREADS:-1}
HOSTILE="$(dirname "$0")/../tools/make_hostile.py"
OUTSIDE=$SCRATCH/outside
mkdir -p "$OUTSIDE"
ROWS=()

outside_untouched() {
  [ -z "$(ls -A "$OUTSIDE")" ] || fail "$1 wrote outside: $(ls -A "$OUTSIDE")"
  [ ! -e /etc/pybcast-pwned ] || fail "$1 wrote into /etc"
  [ ! -e "$SCRATCH/x" ] && [ ! -e "$CHROOT/x" ] && [ ! -e "$SCRATCH/target" ] || fail "$1 escaped with .."
  # Nothing but the user root at the top of CHROOT, and nothing but the
  # layout's names in each virtual node's root.
  [ -z "$(find "$CHROOT" -mindepth 1 -maxdepth 1 ! -name 'pybcast-*' 2>/dev/null)" ] || fail "$1 wrote into CHROOT"
  [ -z "$(find "$CHROOT"/pybcast-*/vnode-* -mindepth 1 -maxdepth 1 ! -name cache ! -name images ! -name locks ! -name pycache \
            ! -name caches ! -name 'tmp-*' 2>/dev/null)" ] || fail "$1 wrote into a node root"
}

refused() {
  local kind=$1 expected=$2
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  "$HOSTILE" "$kind" "$PKGROOT/$kind.tar.gz" "$OUTSIDE"
  stage 4 --virtual-nodes 2 --extract-threads "$THREADS" "$kind.tar.gz"
  expect_failure_everywhere 4 "bundle '$kind.tar.gz'"
  grep -qF -- "$expected" "$SCRATCH/out" || fail "$kind: message lacks '$expected': $(grep -m1 error "$SCRATCH/out")"
  expect_clean_cache
  outside_untouched "$kind"
  ROWS+=("| $kind | refused | $STATUS | $(grep -m1 -o 'pybcast: error: .*' "$SCRATCH/out" | sed "s|$OUTSIDE|OUTSIDE|g" | cut -c17-170) |")
}

staged() {
  local kind=$1
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  "$HOSTILE" "$kind" "$PKGROOT/$kind.tar.gz" "$OUTSIDE"
  stage 4 --virtual-nodes 2 --extract-threads "$THREADS" --report "$kind.tar.gz"
  [ "$STATUS" -eq 0 ] || fail "$kind should stage: $(cat "$SCRATCH/out")"
  outside_untouched "$kind"
  PREFIX=$(vnode_prefix 1)
}

refused dotdot "entry '../x': path contains a '..' component"
refused dotdot-middle "entry 'ok/../../x': path contains a '..' component"
refused dotdot-deep "entry 'a/b/c/../../../../x': path contains a '..' component"
refused dotdot-harmless "entry 'ok/../ok2': path contains a '..' component"
refused absolute "entry '$OUTSIDE/abs': absolute path refused"
refused symlink-escape "entry 'evil/pwned': path passes through the symlink 'evil'"
refused symlink-etc "entry 'etc/pybcast-pwned': path passes through the symlink 'etc'"
refused symlink-chain "entry 'a/one/pwned': path passes through the symlink 'a/one'"
refused symlink-dir-then-mkdir "entry 'd/sub': path passes through the symlink 'd'"
refused hardlink-outside "entry 'h': hard link target '$OUTSIDE/target' refused: absolute path refused"
refused hardlink-dotdot "entry 'h': hard link target '../target' refused"
refused hardlink-later "entry 'h': hard link target 'later' is not (yet) extracted"
refused chardev "entry 'dev/null': device nodes are not allowed in bundles"
refused blockdev "entry 'dev/sda': device nodes are not allowed in bundles"
refused fifo "entry 'pipe': FIFOs are not allowed in bundles"
refused file-over-nonempty-dir "entry 'd': would replace a non-empty directory"
refused long-path "entry 'dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd...dddddddddddddddddddddddddddddd (5024 bytes)': name is 5024 bytes long, over PATH_MAX (4096)"
refused long-name "entry 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn (300 bytes)': a component is 300 bytes long, over NAME_MAX (255)"
refused truncated-gz "truncated gzip data"
refused flipped-gz "corrupt gzip data"
refused truncated-zst "truncated zstd data"
refused flipped-zst "corrupt zstd data"
refused not-an-archive "not a tar archive"
refused empty "bundle 'empty.tar.gz' is empty"
refused zero-entries "bundle 'zero-entries.tar.gz' contains no entries"

# A bomb: 64 KiB of gzip expanding to 64 MiB, into a 16 MiB node-local file system.
if mount -t tmpfs -o size=16m,mode=0755 pybcast-bomb "$CHROOT" 2>/dev/null; then
  "$HOSTILE" bomb "$PKGROOT/bomb.tar.gz"
  stage 4 --virtual-nodes 2 --extract-threads "$THREADS" bomb.tar.gz
  expect_failure_everywhere 4 "bundle 'bomb.tar.gz': entry 'bomb.bin': write failed: No space left on device"
  expect_clean_cache
  [ "$(df --output=used -k "$CHROOT" | tail -1)" -lt 512 ] || fail "bomb: space not given back"
  ROWS+=("| bomb ($(stat -c %s "$PKGROOT/bomb.tar.gz") B -> 64 MiB, 16 MiB tmpfs) | refused | $STATUS | $(grep -m1 -o 'pybcast: error: .*' "$SCRATCH/out" | cut -c17-170) |")
  umount "$CHROOT"
else
  ROWS+=("| bomb | skipped: cannot mount a small tmpfs here | | |")
fi

# Damaged bundles (issue 24): a partial copy, a broken transfer, bit rot, at
# the granularity of zstd frames and tar members. Each is refused on every
# rank naming the bundle, nothing is published, and the intact bundle then
# stages. A pack-made bundle of 4+ frames (incompressible files, 4 MiB of tar
# per frame), and the same tree as a plain tar.
DAMAGE="$(dirname "$0")/../tools/damage_bundle.py"
python3 - "$SCRATCH/tree" <<'PY'
import os, random, sys
rng = random.Random(24)
for d in range(24):
    os.makedirs(f"{sys.argv[1]}/lib/pkg{d:02}", exist_ok=True)
    for f in range(25):
        with open(f"{sys.argv[1]}/lib/pkg{d:02}/m{f:02}.py", "wb") as out:
            out.write(rng.randbytes(24000 + f))
PY
"$PYBCAST" pack dir "$SCRATCH/tree" --no-compile -o "$PKGROOT/packed.tar.zst" >/dev/null 2>&1 || fail "pack dir"
tar -C "$SCRATCH/tree" -cf "$PKGROOT/plain.tar" .
frames=$("$DAMAGE" frames "$PKGROOT/packed.tar.zst" | grep -c ' data$')
[ "$frames" -ge 4 ] || fail "the packed bundle has $frames frames, the cases need 4"

damaged() {
  local kind=$1 expected=$2
  shift 2
  rm -rf "$CHROOT" && mkdir -p "$CHROOT"
  "$DAMAGE" "$@"
  stage 4 --virtual-nodes 2 --extract-threads "$THREADS" "$kind"
  expect_failure_everywhere 4 "bundle '$kind'"
  grep -qE -- "$expected" "$SCRATCH/out" || fail "$kind: message lacks '$expected': $(grep -m1 error "$SCRATCH/out")"
  expect_clean_cache
  ROWS+=("| $kind | refused | $STATUS | $(grep -m1 -o 'pybcast: error: .*' "$SCRATCH/out" | cut -c17-170) |")
}
P=$PKGROOT/packed.tar.zst
damaged header-flip.tar "damaged tar header after 3 entries" flip-header "$PKGROOT/plain.tar" "$PKGROOT/header-flip.tar" 3
damaged header-flip.tar.gz "damaged tar header after 3 entries" flip-header "$PKGROOT/plain.tar" "$PKGROOT/header-flip.tar.gz" 3 gz
damaged header-flip.tar.zst "damaged tar header after 3 entries" flip-header "$PKGROOT/plain.tar" "$PKGROOT/header-flip.tar.zst" 3 zst
damaged frame-lost.tar.zst "corrupt zstd data \($((frames - 1)) of the $frames frames pack wrote: 1 lost\)" \
  drop-frame "$P" "$PKGROOT/frame-lost.tar.zst" 1
damaged first-frame-lost.tar.zst "corrupt zstd data \($((frames - 1)) of the $frames frames pack wrote: 1 lost\)" \
  drop-frame "$P" "$PKGROOT/first-frame-lost.tar.zst" 0
damaged frame-repeated.tar.zst "corrupt zstd data \($((frames + 1)) frames where pack wrote $frames: repeated or added\)" \
  dup-frame "$P" "$PKGROOT/frame-repeated.tar.zst" 1
damaged frames-swapped.tar.zst "corrupt zstd data \(its frames are not those pack wrote, in its order" \
  swap-frames "$P" "$PKGROOT/frames-swapped.tar.zst" 1 2
"$PYBCAST" pack dir "$SCRATCH/tree" --no-compile -o "$PKGROOT/packed.tar.gz" >/dev/null 2>&1 || fail "pack dir (gz)"
damaged first-member-lost.tar.gz "corrupt gzip data \([0-9]+ of the [0-9]+ members pack wrote: 1 lost\)" \
  drop-gzip-member "$PKGROOT/packed.tar.gz" "$PKGROOT/first-member-lost.tar.gz" 0
damaged cut-at-frame.tar.zst "entry '[^']*': .*Truncated tar archive|without the end-of-archive marker|not in the bundle" \
  cut-frames "$P" "$PKGROOT/cut-at-frame.tar.zst" 2
damaged cut-at-member.tar "bundle 'cut-at-member.tar' ends after 300 entries without the end-of-archive marker" \
  cut-members "$PKGROOT/plain.tar" "$PKGROOT/cut-at-member.tar" 300
# The intact bundle then stages and runs: nothing of the refusals was kept.
rm -rf "$CHROOT" && mkdir -p "$CHROOT"
stage 4 --virtual-nodes 2 --extract-threads "$THREADS" packed.tar.zst plain.tar
[ "$STATUS" -eq 0 ] || fail "the intact bundles after the damaged ones: $(cat "$SCRATCH/out")"
cmp "$(vnode_prefix 1)/lib/pkg23/m24.py" "$SCRATCH/tree/lib/pkg23/m24.py" || fail "the intact bundle staged wrong"
ROWS+=("| the intact bundles after them | staged | 0 | |")

staged setuid
# Published read-only (issue 18, C4): no write bit survives either.
[ "$(stat -c %a "$PREFIX/bin/suid")" = 555 ] || fail "setuid: mode $(stat -c %a "$PREFIX/bin/suid")"
[ "$(stat -c %a "$PREFIX/bin/sticky")" = 444 ] || fail "sticky file: mode $(stat -c %a "$PREFIX/bin/sticky")"
[ "$(stat -c %a "$PREFIX/tmpdir")" = 1555 ] || fail "sticky dir: mode $(stat -c %a "$PREFIX/tmpdir")"
ROWS+=("| setuid/setgid/sticky | staged read-only: 6755 file -> 0555, 1644 file -> 0444, 1777 dir -> 1555 | 0 | |")
staged dir-then-file
[ "$(cat "$PREFIX/x")" = "now a file" ] || fail "dir-then-file"
staged file-then-dir
[ -d "$PREFIX/y" ] && [ -f "$PREFIX/y/inside" ] || fail "file-then-dir"
ROWS+=("| directory replaced by file, file by directory | staged: the later entry wins, counted as a conflict | 0 | |")
staged duplicates
[ "$(cat "$PREFIX/dup")" = second ] || fail "duplicates: $(cat "$PREFIX/dup")"
grep -q "1 path was replaced by a later entry" "$SCRATCH/out" || fail "duplicates: conflict not reported: $(cat "$SCRATCH/out")"
ROWS+=("| duplicate entries | staged: the later wins | 0 | |")
staged non-utf8
[ "$(cat "$PREFIX"/caf$'\xe9'-$'\xff'.txt)" = latin1 ] || fail "non-UTF-8 name not kept byte for byte"
ROWS+=("| non-UTF-8 names | staged byte for byte | 0 | |")
staged symlink-only
[ "$(readlink "$PREFIX/sitecustomize.py")" = /etc/python3.11/sitecustomize.py ] || fail "symlink-only"
grep -q "sitecustomize.py -> /etc/python3.11/sitecustomize.py" "$SCRATCH/out" || fail "outside symlink not reported"
ROWS+=("| symlink to /etc (nothing written through it) | staged, listed as a warning | 0 | |")

echo
echo "with --extract-threads $THREADS:"
echo "| kind | outcome | exit | message |"
echo "|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
