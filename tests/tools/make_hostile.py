#!/usr/bin/python3
"""Writes hostile, broken and odd-but-legal bundles for the tests: entries no
honest tar tool would produce. Usage: make_hostile.py KIND OUT [OUTSIDE_DIR]
`make_hostile.py --list` prints every kind."""
import gzip
import io
import subprocess
import sys
import tarfile

MTIME = 1700000000


def add_file(tar, name, data=b"x", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, MTIME
    tar.addfile(info, io.BytesIO(data))


def add_dir(tar, name, mode=0o755):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, MTIME
    tar.addfile(info)


def add_link(tar, name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, target, MTIME
    tar.addfile(info)


def add_special(tar, name, kind):
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = kind, 1, 3
    tar.addfile(info)


def members(kind, outside):
    """Entries of a tar-based kind, after one harmless first entry."""
    def build(tar):
        add_file(tar, "ok/first.txt", b"fine\n")
        BUILDERS[kind](tar, outside)
    return build


BUILDERS = {
    # refused
    "dotdot": lambda t, o: add_file(t, "../x"),
    "dotdot-middle": lambda t, o: add_file(t, "ok/../../x"),
    "dotdot-deep": lambda t, o: add_file(t, "a/b/c/../../../../x"),
    "dotdot-harmless": lambda t, o: add_file(t, "ok/../ok2"),  # refused too: no '..' at all
    "absolute": lambda t, o: add_file(t, o + "/abs"),
    "symlink-escape": lambda t, o: (add_link(t, "evil", o), add_file(t, "evil/pwned")),
    "symlink-etc": lambda t, o: (add_link(t, "etc", "/etc"), add_file(t, "etc/pybcast-pwned")),
    "symlink-chain": lambda t, o: (add_dir(t, "a"), add_link(t, "a/one", "../b"), add_link(t, "b", ".."),
                                   add_file(t, "a/one/pwned")),
    "symlink-dir-then-mkdir": lambda t, o: (add_link(t, "d", o), add_dir(t, "d/sub")),
    "hardlink-outside": lambda t, o: add_link(t, "h", o + "/target", tarfile.LNKTYPE),
    "hardlink-dotdot": lambda t, o: add_link(t, "h", "../target", tarfile.LNKTYPE),
    "hardlink-later": lambda t, o: (add_link(t, "h", "later", tarfile.LNKTYPE), add_file(t, "later")),
    "chardev": lambda t, o: add_special(t, "dev/null", tarfile.CHRTYPE),
    "blockdev": lambda t, o: add_special(t, "dev/sda", tarfile.BLKTYPE),
    "fifo": lambda t, o: add_special(t, "pipe", tarfile.FIFOTYPE),
    "file-over-nonempty-dir": lambda t, o: (add_dir(t, "d"), add_file(t, "d/f"), add_file(t, "d")),
    "long-path": lambda t, o: add_file(t, "/".join(["d" * 200] * 25)),
    "long-name": lambda t, o: add_file(t, "n" * 300),
    # legal though odd: staged, with the documented treatment
    "setuid": lambda t, o: (add_file(t, "bin/suid", b"#!/bin/sh\n", 0o6755),
                            add_file(t, "bin/sticky", b"s", 0o1644), add_dir(t, "tmpdir", 0o1777)),
    "dir-then-file": lambda t, o: (add_dir(t, "x"), add_file(t, "x", b"now a file")),
    "file-then-dir": lambda t, o: (add_file(t, "y", b"was a file"), add_dir(t, "y"), add_file(t, "y/inside")),
    "duplicates": lambda t, o: (add_file(t, "dup", b"first"), add_file(t, "dup", b"second")),
    "non-utf8": lambda t, o: add_file(t, b"caf\xe9-\xff.txt".decode("utf-8", "surrogateescape"), b"latin1"),
    "symlink-only": lambda t, o: add_link(t, "sitecustomize.py", "/etc/python3.11/sitecustomize.py"),
    "bomb": lambda t, o: add_file(t, "bomb.bin", bytes(64 << 20)),
}

# Broken streams and non-archives, built from a good tar.
STREAMS = ["truncated-gz", "flipped-gz", "truncated-zst", "flipped-zst", "not-an-archive", "empty",
           "zero-entries"]


def tar_bytes(build):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        build(tar)
    return buffer.getvalue()


def good_tar():
    return tar_bytes(lambda t: [add_file(t, f"pkg/m{i}.py", bytes(range(256)) * 400) for i in range(20)])


def flip(data):
    data = bytearray(data)
    data[len(data) // 2] ^= 0x40
    return bytes(data)


def stream(kind):
    if kind.endswith("-gz"):
        data = gzip.compress(good_tar(), mtime=0)
    elif kind.endswith("-zst"):  # the zstd tool writes frame checksums by default
        data = subprocess.run(["zstd", "-q", "-c"], input=good_tar(), capture_output=True, check=True).stdout
    if kind.startswith("truncated"):
        return data[: len(data) // 2]
    if kind.startswith("flipped"):
        return flip(data)
    if kind == "not-an-archive":
        return b"this is a README, not a bundle\n" * 20
    if kind == "empty":
        return b""
    if kind == "zero-entries":
        return gzip.compress(tar_bytes(lambda t: None), mtime=0)
    raise SystemExit("unknown kind " + kind)


def build(kind, outside):
    if kind in STREAMS:
        return stream(kind)
    if kind not in BUILDERS:
        raise SystemExit("unknown kind " + kind)
    return gzip.compress(tar_bytes(members(kind, outside)), mtime=0)


if __name__ == "__main__":
    if sys.argv[1] == "--list":
        print("\n".join(list(BUILDERS) + STREAMS))
        raise SystemExit(0)
    kind, out = sys.argv[1], sys.argv[2]
    outside = sys.argv[3] if len(sys.argv) > 3 else "/tmp/pybcast-outside"
    with open(out, "wb") as f:
        f.write(build(kind, outside))
