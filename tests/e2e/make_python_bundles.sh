#!/bin/bash
# Test fixture: Debian's python3.11 + numpy + mpi4py as bundles made with plain
# tar, the way python-mpi-bcast users make them. Two layouts:
#   OUT/prefix/ members relative to the prefix (bin/, lib/...)
#   OUT/seed/   members under a top directory 3.11/ (PYTHONHOME=$CHROOT/3.11 style)
set -euo pipefail
out=${1:?output dir}
[ -f "$out/seed/mpi4py.tar.gz" ] && exit 0
py=/usr/bin/python3
multiarch=$($py -c 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH"))')
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/bin" "$tree/lib/$multiarch" "$tree/lib/python3/dist-packages"
cp -a /usr/bin/python3.11 "$tree/bin/"
ln -s python3.11 "$tree/bin/python3"
cp -a /usr/lib/python3.11 "$tree/lib/"
cp -a /usr/lib/"$multiarch"/libpython3.11.so.1.0 "$tree/lib/$multiarch/"
cp -a /usr/lib/python3/dist-packages/numpy /usr/lib/python3/dist-packages/mpi4py "$tree/lib/python3/dist-packages/"
find "$tree" -name __pycache__ -prune -exec rm -rf {} +
for layout in prefix seed; do
  mkdir -p "$out/$layout.part"
  top=.
  if [ $layout = seed ]; then
    mkdir "$tree/3.11" && mv "$tree/bin" "$tree/lib" "$tree/3.11/"
    top=3.11
  fi
  (cd "$tree" && tar -czf "$out/$layout.part/python-3.11.tar.gz" --exclude="*/dist-packages/*" "$top/bin" "$top/lib")
  (cd "$tree" && tar -czf "$out/$layout.part/numpy.tar.gz" "$top/lib/python3/dist-packages/numpy")
  (cd "$tree" && tar -czf "$out/$layout.part/mpi4py.tar.gz" "$top/lib/python3/dist-packages/mpi4py")
  rm -rf "$out/$layout" && mv "$out/$layout.part" "$out/$layout"
done
