#!/usr/bin/python3
"""Damages a bundle the way partial copies, broken transfers and bit rot do,
at the granularity of zstd frames and tar members. Usage:

  damage_bundle.py frames IN                      the zstd frames: index, offset, size, kind
  damage_bundle.py drop-frame IN OUT I            zstd frame I removed (data frames count from 0)
  damage_bundle.py swap-frames IN OUT I J         data frames I and J exchanged
  damage_bundle.py dup-frame IN OUT I             data frame I written twice
  damage_bundle.py cut-frames IN OUT N            only the first N data frames (no trailer)
  damage_bundle.py drop-gzip-member IN OUT I      gzip member I removed
  damage_bundle.py cut-members IN OUT N           a plain tar cut after its first N members
  damage_bundle.py flip-header IN OUT I [gz|zst]  a bit of member I's header checksum flipped
                                                  in a plain tar, then compressed as asked
"""
import gzip
import subprocess
import sys
import zlib

SKIPPABLE = 0x184D2A50
ZSTD = 0xFD2FB528


def le(data, at, n):
    return int.from_bytes(data[at:at + n], "little")


def zstd_frames(data):
    """(start, end, is_data) of every frame, as RFC 8878 lays them out."""
    out, pos = [], 0
    while pos < len(data):
        magic = le(data, pos, 4)
        if magic & 0xFFFFFFF0 == SKIPPABLE:
            end = pos + 8 + le(data, pos + 4, 4)
            out.append((pos, end, False))
        elif magic == ZSTD:
            fhd = data[pos + 4]
            single = (fhd >> 5) & 1
            fcs = [1 if single else 0, 2, 4, 8][fhd >> 6]
            header = 1 + (0 if single else 1) + [0, 1, 2, 4][fhd & 3] + fcs
            p = pos + 4 + header
            while True:
                block = le(data, p, 3)
                p += 3 + (1 if (block >> 1) & 3 == 1 else block >> 3)
                if block & 1:
                    break
            end = p + (4 if (fhd >> 2) & 1 else 0)
            out.append((pos, end, True))
        else:
            sys.exit(f"not a zstd frame at offset {pos}")
        pos = end
    return out


def gzip_members(data):
    """The bytes of each gzip member, in order."""
    out, rest = [], data
    while rest:
        d = zlib.decompressobj(31)
        d.decompress(rest)
        out.append(rest[:len(rest) - len(d.unused_data)])
        rest = d.unused_data
    return out


def tar_members(data):
    """(header offset, end offset) of each member of a plain ustar/pax tar."""
    out, pos = [], 0
    while pos + 512 <= len(data) and any(data[pos:pos + 512]):
        start = pos
        while True:  # pax and GNU long-name headers belong to the member they precede
            kind = data[pos + 156:pos + 157]
            size = int(data[pos + 124:pos + 136].split(b"\0")[0].strip() or b"0", 8)
            pos += 512 + (size + 511) // 512 * 512
            if kind not in (b"x", b"g", b"L", b"K"):
                break
        out.append((start, pos))
    return out


def main():
    command, src = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    if command == "frames":
        for i, (start, end, is_data) in enumerate(zstd_frames(data)):
            print(i, start, end - start, "data" if is_data else "skippable")
        return
    out, args = sys.argv[3], sys.argv[4:]
    if command == "drop-gzip-member":
        members = gzip_members(data)
        del members[int(args[0])]
        result = b"".join(members)
    elif command == "cut-members":
        result = data[:tar_members(data)[int(args[0]) - 1][1]]
    elif command == "flip-header":
        start = tar_members(data)[int(args[0])][0]
        tar = bytearray(data)
        tar[start + 148] ^= 0x01  # the checksum field: libarchive sees a damaged header
        result = bytes(tar)
        kind = args[1] if len(args) > 1 else ""
        if kind == "gz":
            result = gzip.compress(result, mtime=0)
        elif kind == "zst":
            result = subprocess.run(["zstd", "-q", "-c"], input=result, stdout=subprocess.PIPE, check=True).stdout
    else:
        frames = zstd_frames(data)
        data_frames = [f for f in frames if f[2]]
        trailer = [f for f in frames if not f[2]]
        pieces = [data[s:e] for s, e, _ in data_frames]
        if command == "drop-frame":
            del pieces[int(args[0])]
        elif command == "swap-frames":
            i, j = int(args[0]), int(args[1])
            pieces[i], pieces[j] = pieces[j], pieces[i]
        elif command == "dup-frame":
            i = int(args[0])
            pieces.insert(i, pieces[i])
        elif command == "cut-frames":
            pieces, trailer = pieces[:int(args[0])], []
        else:
            sys.exit(f"unknown command {command}")
        result = b"".join(pieces) + b"".join(data[s:e] for s, e, _ in trailer)
    open(out, "wb").write(result)


main()
