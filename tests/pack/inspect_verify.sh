#!/bin/bash
# Acceptance: `inspect` prints the manifest; `inspect --verify` detects a
# modified member (and a truncated bundle, and a tar pack did not make).
. "$(dirname "$0")/lib.sh"

mkdir -p P/bin P/lib/pkg
printf '#!/bin/sh\necho hi\n' >P/bin/tool
chmod +x P/bin/tool
echo 'VALUE = 1' >P/lib/pkg/mod.py
head -c 300000 /dev/urandom >P/lib/pkg/blob.bin
ln -s mod.py P/lib/pkg/alias.py
ok pack dir P --name demo -o b.tar.zst

ok inspect b.tar.zst
expect_in stdout "name:         demo"
expect_in stdout "kind:         dir"
expect_in stdout "files:        4 ("
ok inspect --json --files b.tar.zst
"$PY" -c 'import json, sys; m = json.load(sys.stdin); assert m["format"] == "pybcast-bundle/1" and m["files"] == 4' \
  < <(sed -n '/^{/,/^}/p' stdout) || fail "--json is not the manifest"
expect_in stdout "lib/pkg/alias.py -> mod.py"
ok inspect --verify b.tar.zst
expect_in stderr "all 4 members match the manifest"

# Modify one member, keep the manifest first, repack with GNU tar.
mkdir X
tar -xf b.tar.zst -C X
echo 'VALUE = 2' >X/lib/pkg/mod.py
(cd X && tar --zstd -cf ../modified.tar.zst .pybcast/manifest.json bin lib)
run_pybcast inspect --verify modified.tar.zst
[ "$STATUS" = 1 ] || fail "--verify accepted a modified member"
expect_in stderr "lib/pkg/mod.py: content differs from the manifest"
expect_in stderr "pybcast: error: modified.tar.zst: 1 problem found by --verify"

# An extra member and a changed symlink are found too.
ln -sf blob.bin X/lib/pkg/alias.py
echo new >X/lib/pkg/extra.py
(cd X && tar --zstd -cf ../extra.tar.zst .pybcast/manifest.json bin lib)
run_pybcast inspect --verify extra.tar.zst
[ "$STATUS" = 1 ] || fail "--verify accepted an extra member"
expect_in stderr "lib/pkg/extra.py: in the bundle but not in its manifest"
expect_in stderr "lib/pkg/alias.py: symlink to 'blob.bin', the manifest says 'mod.py'"

size=$(stat -c %s b.tar.zst)
head -c $((size / 2)) b.tar.zst >truncated.tar.zst
run_pybcast inspect --verify truncated.tar.zst
[ "$STATUS" = 1 ] || fail "--verify accepted a truncated bundle"
expect_in stderr "pybcast: error: truncated.tar.zst"

# One decoder (issue 27): inspect reads through staging's, which checks each
# gzip member's CRC32 (libarchive's filter did not) and refuses trailing bytes.
ok pack dir P --name demo -o g.tar.gz
python3 - g.tar.gz crc.tar.gz <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[-6] ^= 0xff  # in the last member's CRC32
open(sys.argv[2], "wb").write(data)
PY
run_pybcast inspect --verify crc.tar.gz
[ "$STATUS" = 1 ] || fail "--verify accepted a gzip member with a wrong CRC32"
expect_in stderr "pybcast: error: crc.tar.gz: corrupt gzip data"
{ cat g.tar.gz; echo garbage; } >trailing.tar.gz
run_pybcast inspect --verify trailing.tar.gz
[ "$STATUS" = 1 ] || fail "--verify accepted trailing bytes after the gzip stream"
expect_in stderr "pybcast: error: trailing.tar.gz: trailing data after the gzip stream"

(cd P && tar -czf ../plain.tar.gz bin lib)
run_pybcast inspect plain.tar.gz
[ "$STATUS" = 1 ] || fail "inspect accepted a tar without manifest"
expect_in stderr "plain.tar.gz: no .pybcast/manifest.json as its first member"

# Issue 18 (suspected: inspect enabled every libarchive filter, some of which
# run external programs or decode formats stage never reads): only gzip, zstd,
# xz and bzip2. A uuencoded bundle is read by libarchive's uu filter otherwise.
python3 - b.tar.zst b.tar.zst.uu <<'PY'
import binascii, sys
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w") as out:
    out.write("begin 644 b.tar.zst\n")
    for i in range(0, len(data), 45):
        out.write(binascii.b2a_uu(data[i:i + 45]).decode())
    out.write("`\nend\n")
PY
run_pybcast inspect b.tar.zst.uu
[ "$STATUS" = 1 ] || fail "inspect read a uuencoded bundle (status $STATUS)"
