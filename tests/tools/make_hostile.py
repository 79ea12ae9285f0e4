#!/usr/bin/python3
"""Writes hostile and broken bundles for the tests: entries no honest tar tool
would produce. Usage: make_hostile.py KIND OUT [OUTSIDE_DIR]"""
import gzip
import io
import sys
import tarfile


def add_file(tar, name, data=b"x", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 1700000000
    tar.addfile(info, io.BytesIO(data))


def add_link(tar, name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    info.mtime = 1700000000
    tar.addfile(info)


def build(kind, outside):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_file(tar, "ok/first.txt", b"fine\n")
        if kind == "dotdot":
            add_file(tar, "../x")
        elif kind == "absolute":
            add_file(tar, outside + "/abs")
        elif kind == "symlink-escape":
            add_link(tar, "evil", outside)
            add_file(tar, "evil/pwned")
        elif kind == "hardlink-outside":
            add_link(tar, "h", outside + "/target", tarfile.LNKTYPE)
        elif kind == "device":
            info = tarfile.TarInfo("dev/null")
            info.type = tarfile.CHRTYPE
            info.devmajor, info.devminor = 1, 3
            tar.addfile(info)
        elif kind == "fifo":
            info = tarfile.TarInfo("pipe")
            info.type = tarfile.FIFOTYPE
            tar.addfile(info)
        elif kind == "setuid":
            add_file(tar, "bin/suid", b"#!/bin/sh\n", 0o6755)
        elif kind == "bomb":
            # A small bundle that expands to more than a small node-local file system.
            info = tarfile.TarInfo("bomb.bin")
            info.size = 64 << 20
            tar.addfile(info, io.BytesIO(bytes(info.size)))
        else:
            raise SystemExit("unknown kind " + kind)
    return gzip.compress(buffer.getvalue(), mtime=0)


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    outside = sys.argv[3] if len(sys.argv) > 3 else "/tmp/pybcast-outside"
    with open(out, "wb") as f:
        f.write(build(kind, outside))
