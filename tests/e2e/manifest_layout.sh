#!/bin/bash
# Issue 18, C14: a later bundle's manifest names what python-mpi loads
# (layout.libpython) and hands Python as argv[0] (layout.executable). Neither
# may point outside the staged prefix: not by '..' or an absolute path in the
# manifest (refused when the manifest is read), and not through a symlink
# staged by the bundle (refused before it is loaded). Before, python-mpi loaded
# a libpython outside the prefix and set a bogus sys.executable.
. "$(dirname "$0")/../lib/mpi.sh"
cp "$PY_BUNDLES"/prefix/*.tar.gz "$PKGROOT/"
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT
outside=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") + "/" + sysconfig.get_config_var("INSTSONAME"))')
[ -f "$outside" ] || skip "no shared libpython of /usr/bin/python3 to point at ($outside)"

# hostile.tar: a manifest (name, layout) and, for the symlink case, the link.
hostile() {
  python3 - "$PKGROOT/$1" "$2" "$3" "${4:-}" <<'PY'
import io, json, sys, tarfile
out, field, value, link = sys.argv[1:5]
# The link is in the manifest's entries too: staging checks the members against them.
entries = [{"path": value, "size": 0, "link": link}] if link else []
manifest = {"format": "pybcast-bundle/1", "name": "hostile", "kind": "dir", "layout": {field: value},
            "files": len(entries), "unpacked_bytes": 0, "entries": entries}
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    data = json.dumps(manifest).encode()
    info = tarfile.TarInfo(".pybcast/manifest.json"); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
    if link:
        info = tarfile.TarInfo(value); info.type = tarfile.SYMTYPE; info.linkname = link
        t.addfile(info)
PY
}

hostile dotdot.tar libpython "../../../../../..$outside"
PYTHON_MPI_PACKAGES=python-3.11.tar.gz:dotdot.tar run_mpi 2 "$PYTHON_MPI" -c 'print("RAN")'
expect_failure_everywhere 2 "layout.libpython '../../../../../..$outside' is not a path inside the bundle"
hostile absolute.tar executable /bin/sh
PYTHON_MPI_PACKAGES=python-3.11.tar.gz:absolute.tar run_mpi 2 "$PYTHON_MPI" -c 'print("RAN")'
expect_failure_everywhere 2 "layout.executable '/bin/sh' is not a path inside the bundle"
echo "ok: manifest layout paths with '..' or absolute are refused on every rank"

hostile symlink.tar libpython lib/libpython-elsewhere.so "$outside"
PYTHON_MPI_PACKAGES=python-3.11.tar.gz:symlink.tar run_mpi 2 "$PYTHON_MPI" -c 'print("RAN")'
expect_failure_everywhere 2 "resolves to $(realpath "$outside"), outside the staged prefix"
echo "ok: a layout path that is a symlink out of the prefix is refused before it is loaded"
