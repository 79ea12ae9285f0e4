#!/bin/bash
# The two costs of extracting a tar bundle into /dev/shm, for the image-mode part of the
# scaling model (bench/scaling_model.py, IMAGE_MEASURED): seconds per entry and seconds per
# unpacked byte, fitted from two bundles staged cold with `mpirun -n 1 pybcast stage`,
# alternating, medians of the report's total:
#   files: the big stack of bench/image_bench.sh (STACK=big; python.tar.zst + site.tar.zst
#          in STACK_DIR, its BENCH_WORK): ~31k entries, ~0.65 GB, mostly small files;
#   bytes: the regular files over 1 MiB in /usr/lib/x86_64-linux-gnu (libtorch, LLVM,
#          OpenBLAS, ...), packed with `pack dir`: ~130 files, ~1 GB, what the big shared
#          libraries of a CUDA stack look like.
# total = entries * a + unpacked bytes * b, solved exactly from the two medians.
#   bench/extract_cost_bench.sh RUNS STACK_DIR
set -euo pipefail
runs=${1:-5}
stack=${2:?STACK_DIR: the BENCH_WORK of STACK=big bench/image_bench.sh}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${PYBCAST_BIN:-$repo/build/bin}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
chroot_base=$(mktemp -d "${BENCH_CHROOT:-/dev/shm}/pybcast-extract-cost-XXXXXX")
trap 'rm -rf "$chroot_base"' EXIT
if [ ! -e "$stack/libs.tar.zst" ]; then
  rm -rf "$stack/libs-prefix"
  mkdir -p "$stack/libs-prefix/lib"
  find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -size +1M -exec ln {} "$stack/libs-prefix/lib/" \;
  "$bin/pybcast" pack dir "$stack/libs-prefix" --no-compile -o "$stack/libs.tar.zst" 2>/dev/null
fi
seconds() {
  awk -v name="$1" '$1 == name && NF >= 5 {
    v = $5; u = $6; if (u == "ms") v /= 1000; if (u == "us") v /= 1e6; print v; exit }'
}
one() {  # $1: bundles; prints "total_s entries unpacked_bytes"
  local chroot=$chroot_base/run-$RANDOM$RANDOM out
  mkdir -p "$chroot"
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  out=$(cd "$stack" && mpirun -n 1 "$bin/pybcast" stage --chroot "$chroot" --report "$@" 2>&1)
  local entries
  entries=$(awk '/ unpacked \(tar stream/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) if ($i ~ /^(files|dirs|symlinks)$/) n += $(i - 1); print n; exit }' <<<"$out")
  echo "$(seconds total <<<"$out") $entries $(du -sbx --exclude=pycache "$chroot" | cut -f1)"
  rm -rf "$chroot"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "load before: $(uptime)"
: >"$chroot_base/files.txt"
: >"$chroot_base/bytes.txt"
for r in $(seq "$runs"); do
  l=$(one python.tar.zst site.tar.zst)
  echo "$l" >>"$chroot_base/files.txt"
  echo "run $r files $l"
  l=$(one libs.tar.zst)
  echo "$l" >>"$chroot_base/bytes.txt"
  echo "run $r bytes $l"
done
echo "load after: $(uptime)"
read -r t1 n1 s1 < <(echo "$(cut -d' ' -f1 "$chroot_base/files.txt" | median) $(head -1 "$chroot_base/files.txt" | cut -d' ' -f2-)")
read -r t2 n2 s2 < <(echo "$(cut -d' ' -f1 "$chroot_base/bytes.txt" | median) $(head -1 "$chroot_base/bytes.txt" | cut -d' ' -f2-)")
echo "files: $n1 entries, $s1 bytes held, staging (median) $t1 s"
echo "bytes: $n2 entries, $s2 bytes held, staging (median) $t2 s"
python3 - "$t1" "$n1" "$s1" "$t2" "$n2" "$s2" <<'EOF'
import sys
t1, n1, s1, t2, n2, s2 = map(float, sys.argv[1:])
det = n1 * s2 - n2 * s1
a = (t1 * s2 - t2 * s1) / det
b = (n1 * t2 - n2 * t1) / det
print(f"fit: {a * 1e6:.1f} us per entry + {1 / b / 2**20:.0f} MiB/s unpacked"
      f" (per_entry_s={a:.3e}, bytes_per_s={1 / b:.4e})")
EOF
