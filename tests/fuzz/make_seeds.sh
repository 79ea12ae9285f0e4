#!/bin/bash
# Generates the fuzz seed corpora in OUT; nothing binary is checked in.
#   OUT/extract      the seed writer's bundles (ArchiveBuilder, every compression,
#                    hostile, merged, broken), every kind make_hostile.py --list names,
#                    and real small tars written by GNU tar (gnu, pax, sparse,
#                    long names, hard links, concatenated streams)
#   OUT/member_path  names and link targets       OUT/manifest  manifests
#   OUT/verify       damage to a pack-made bundle (fuzz_verify)
# Usage: make_seeds.sh SEED_WRITER OUT
set -euo pipefail
writer=${1:?seed writer} out=${2:?output dir}
here=$(cd "$(dirname "$0")" && pwd)
hostile=$here/../tools/make_hostile.py
rm -rf "$out" "$out.part"
mkdir -p "$out.part"
# The writer's ArchiveBuilder leaks when libarchive refuses an entry: not what we test.
ASAN_OPTIONS=detect_leaks=0 "$writer" "$out.part"
ex=$out.part/extract

outside=$("$writer" --outside)
for kind in $(/usr/bin/python3 "$hostile" --list); do
  /usr/bin/python3 "$hostile" "$kind" "$ex/hostile-$kind.tar.gz" "$outside"
done

src=$(mktemp -d "${TMPDIR:-/tmp}/pybcast-fuzz-seeds-XXXXXX")
trap 'rm -rf "$src"' EXIT
mkdir -p "$src/json" "$src/deep/$(printf 'long-directory-name-%03d/' 1 2 3 4 5 6)"
cp /usr/lib/python3.11/json/*.py "$src/json/"
echo long >"$src/deep/$(printf 'long-directory-name-%03d/' 1 2 3 4 5 6)/file-with-a-long-name-$(printf 'x%.0s' {1..80})"
truncate -s 1M "$src/sparse" && printf 'end' >>"$src/sparse"
ln "$src/json/__init__.py" "$src/hard"
ln -s json/decoder.py "$src/soft"
echo latin1 >"$src/"$'caf\xe9-\xff'   # not UTF-8
chmod 0555 "$src/deep"
t() { tar -C "$src" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner "$@"; }
t --format=gnu -cf "$ex/real-json.tar" json
t --format=gnu -czf "$ex/real-json.tar.gz" json
t --format=gnu --zstd -cf "$ex/real-json.tar.zst" json
t --format=gnu -cJf "$ex/real-json.tar.xz" json
t --format=gnu -cjf "$ex/real-json.tar.bz2" json
t --format=gnu -S -czf "$ex/real-gnu-misc.tar.gz" deep sparse hard soft $'caf\xe9-\xff' json/__init__.py
t --format=pax -S -czf "$ex/real-pax-misc.tar.gz" deep sparse hard soft $'caf\xe9-\xff' json/__init__.py
t --format=ustar -cf - json/__init__.py json/tool.py | gzip -n >"$ex/real-concatenated.tar.gz"
t --format=ustar -cf - json/scanner.py | gzip -n >>"$ex/real-concatenated.tar.gz"
t --format=gnu -cf - soft hard json/__init__.py | zstd -q --no-check >"$ex/real-two-frames.tar.zst"
t --format=gnu -cf - json/tool.py | zstd -q >>"$ex/real-two-frames.tar.zst"
# Frames that state their size, as pack and `zstd FILE` write them: with 8
# threads they decode on the frame pool (issue 14).
t --format=gnu -cf "$src/sized.tar" json hard soft
split -b 16K "$src/sized.tar" "$src/sized.part."
for part in "$src"/sized.part.*; do zstd -q -c "$part"; done >"$ex/real-sized-frames.tar.zst"
chmod 0755 "$src/deep"
# fuzz_verify: an encoding byte (plain, zstd, gzip), then operations of 3
# bytes (below 128: on tar members; from 128: on compressed frames).
v=$out.part/verify
mkdir -p "$v"
seed() { printf "$2" >"$v/$1"; }
seed plain '\x00'
seed zstd '\x01'
seed gzip '\x02'
seed member-dropped '\x00\x00\x03\x00'
seed members-swapped '\x01\x01\x02\x05'
seed member-repeated '\x02\x02\x04\x00'
seed cut-after-member '\x00\x03\x05\x00'
seed manifest-byte-flipped '\x00\x04\x00\x21'
seed end-marker-dropped '\x00\x00\x09\x00'
seed frame-dropped '\x01\x80\x00\x00'
seed frames-swapped '\x01\x81\x01\x02'
seed frame-repeated '\x02\x82\x01\x00'
seed cut-after-frame '\x01\x83\x02\x00'
seed frame-byte-flipped '\x02\x84\x01\x07'
mv "$out.part" "$out"
echo "seeds: $(find "$out/extract" -type f | wc -l) bundles, $(find "$out/member_path" -type f | wc -l) names," \
  "$(find "$out/manifest" -type f | wc -l) manifests, $(find "$out/verify" -type f | wc -l) damages in $out"
