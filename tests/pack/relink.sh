#!/bin/bash
# Acceptance: a packed tree reaches nothing off the node. RUNPATH and RPATH
# entries inside the packed prefix become $ORIGIN-relative (same tag) on
# copies, never on the sources; a symlink into a system directory becomes an
# absolute link there; one elsewhere is replaced by its target; a dangling one
# stays and is named. The rewritten library still loads with the prefix gone.
. "$(dirname "$0")/lib.sh"
command -v cc >/dev/null || skip "no C compiler"
command -v readelf >/dev/null || skip "no readelf"
command -v patchelf >/dev/null || skip "no patchelf"
libz=
for l in /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1; do [ -e $l ] && libz=$l && break; done
[ -n "$libz" ] || skip "no libz.so.1 in the multiarch library directory"

PREFIX=$SCRATCH/prefix
site=$PREFIX/lib/python3.12/site-packages
mkdir -p "$site/pkg" "$SCRATCH/elsewhere/tree"
echo 'int fix_value(void) { return 42; }' >fix.c
cc -shared -fPIC -o "$PREFIX/lib/libfix.so" fix.c
echo 'int fix_value(void); int ext_value(void) { return fix_value() + 1; }' >ext.c
cc -shared -fPIC -o "$site/pkg/ext_runpath.so" ext.c -L"$PREFIX/lib" -lfix -Wl,-rpath,"$PREFIX/lib" \
  -Wl,--enable-new-dtags
cc -shared -fPIC -o "$site/pkg/ext_rpath.so" ext.c -L"$PREFIX/lib" -lfix -Wl,-rpath,"$PREFIX/lib:" \
  -Wl,--disable-new-dtags
echo 'VALUE = 1' >"$site/pkg/__init__.py"
# A relative symlink to a system library, one to a file and one to a tree
# outside the packed set, and a dangling one.
ln -s "$(realpath -s --relative-to="$site/pkg" "$libz")" "$site/pkg/libz.so.1"
echo shared-data >"$SCRATCH/elsewhere/data.txt"
chmod 0755 "$SCRATCH/elsewhere/data.txt"
echo leaf >"$SCRATCH/elsewhere/tree/leaf.txt"
ln -s ../../../../../elsewhere/data.txt "$site/pkg/data.txt"
ln -s "$SCRATCH/elsewhere/tree" "$site/pkg/tree"
ln -s no-such-file "$site/pkg/gone"
(cd "$PREFIX" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >sources.before

ok pack dir "$PREFIX" -o fix.tar.zst
for text in "symlinks: 0 inside the bundle, 1 to system directories every node has, 2 replaced by their targets, 1 dangling" \
  "lib/python3.12/site-packages/pkg/libz.so.1 -> $libz" \
  "1 dangling symlink(s), kept as they are: lib/python3.12/site-packages/pkg/gone -> no-such-file" \
  "rewrote the RUNPATH/RPATH of 2 ELF file(s)"; do
  expect_in stderr "$text"
done
expect_not_in stderr "searched before the bundle"  # RPATH into the prefix: rewritten, not a warning
expect_not_in stderr "searched from every rank"
(cd "$PREFIX" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >sources.after
cmp -s sources.before sources.after || fail "packing changed the source files: $(diff sources.before sources.after)"

mkdir X
tar -xf fix.tar.zst -C X
pkg=X/lib/python3.12/site-packages/pkg
dynamic() { readelf -d "$1" | grep -E '\((RUNPATH|RPATH)\)' || true; }
[ "$(dynamic $pkg/ext_runpath.so | grep -c RUNPATH)" = 1 ] || fail "ext_runpath.so lost its RUNPATH: $(dynamic $pkg/ext_runpath.so)"
[ "$(dynamic $pkg/ext_rpath.so | grep -c '(RPATH)')" = 1 ] || fail "ext_rpath.so lost its RPATH: $(dynamic $pkg/ext_rpath.so)"
for so in ext_runpath.so ext_rpath.so; do
  expect_in <(dynamic $pkg/$so) '[$ORIGIN/../../..]'
  expect_not_in <(dynamic $pkg/$so) "$PREFIX"
done
[ -L $pkg/libz.so.1 ] && [ "$(readlink $pkg/libz.so.1)" = "$libz" ] || fail "libz.so.1 is not a link to $libz"
[ -f $pkg/data.txt ] && [ ! -L $pkg/data.txt ] && [ "$(cat $pkg/data.txt)" = shared-data ] ||
  fail "data.txt was not replaced by its target's content"
[ -x $pkg/data.txt ] || fail "data.txt lost its target's mode"
[ -d $pkg/tree ] && [ ! -L $pkg/tree ] && [ "$(cat $pkg/tree/leaf.txt)" = leaf ] || fail "tree/ was not packed in place"
[ -L $pkg/gone ] && [ "$(readlink $pkg/gone)" = no-such-file ] || fail "the dangling symlink was not kept"

ok inspect fix.tar.zst
for text in "symlinks:     0 inside, 1 to system directories, 2 replaced by their targets, 1 dangling" \
  "system:     lib/python3.12/site-packages/pkg/libz.so.1 -> $libz" \
  "replaced:   lib/python3.12/site-packages/pkg/data.txt -> $SCRATCH/elsewhere/data.txt" \
  "dangling:   lib/python3.12/site-packages/pkg/gone -> no-such-file"; do
  expect_in stdout "$text"
done
ok inspect --verify fix.tar.zst

# Packing twice gives the same bytes, rewritten copies included.
mkdir again
ok pack dir "$PREFIX" -o again/fix.tar.zst
cmp -s fix.tar.zst again/fix.tar.zst || fail "two packs of the fixture differ"

# The rewritten extensions load libfix.so from the extracted copy alone.
mv "$PREFIX" "$SCRATCH/prefix.moved"
for so in ext_runpath.so ext_rpath.so; do
  python3 -c "import ctypes, sys; print(ctypes.CDLL(sys.argv[1]).ext_value())" "$SCRATCH/$pkg/$so" >load.out 2>&1 ||
    fail "$so does not load from the extracted copy: $(cat load.out)"
  expect_in load.out 43
done
mv "$SCRATCH/prefix.moved" "$PREFIX"

# Without patchelf: the new texts are shorter than the old ones, so they are
# written in place (no process), and the bundle is the same.
mkdir nopatchelf
run_pybcast_path() { PATH=$SCRATCH/nopatchelf "$PYBCAST" "$@" >"$SCRATCH/stdout" 2>"$SCRATCH/stderr"; }
mkdir inplace
run_pybcast_path pack dir "$PREFIX" -o inplace/fix.tar.zst || fail "pack without patchelf: $(cat stderr)"
cmp -s fix.tar.zst inplace/fix.tar.zst || fail "packs with and without patchelf on PATH differ"
expect_not_in stderr "by patchelf"
# A prefix with a short path: \$ORIGIN/../../.. is longer than it, which needs
# patchelf; without it, a clear error and no bundle left; with it, said.
short=$(mktemp -d /tmp/pbXXXX)
trap 'rm -rf "$short"' EXIT
mkdir -p "$short/lib/python3.12/site-packages/pkg"
cp "$PREFIX/lib/libfix.so" "$short/lib/"
cc -shared -fPIC -o "$short/lib/python3.12/site-packages/pkg/ext.so" ext.c -L"$short/lib" -lfix \
  -Wl,-rpath,"$short/lib" -Wl,--enable-new-dtags
set +e
run_pybcast_path pack dir "$short" -o none.tar.zst
STATUS=$?
set -e
[ "$STATUS" = 1 ] || fail "pack without patchelf, needing it, exited $STATUS"
expect_in stderr "which is longer and needs patchelf, and patchelf is not on PATH"
[ ! -e none.tar.zst ] || fail "a failed pack left none.tar.zst"
ok pack dir "$short" -o short.tar.zst
expect_in stderr "rewrote the RUNPATH/RPATH of 1 ELF file(s) to \$ORIGIN-relative entries (1 by patchelf"
echo "ok: RUNPATH/RPATH made \$ORIGIN-relative, symlinks settled, sources untouched"
