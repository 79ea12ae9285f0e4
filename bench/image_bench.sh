#!/bin/bash
# Image bundles (issue 29) vs the tar bundles they were made of, one node, 1 rank,
# alternating runs (tar, image0, image1, ..., tar, ...), medians, ratios image / tar.
# Each run of each variant is one fresh node-local root and three measurements:
#   cold:  mpirun -n 1 python-mpi -c "import $MODULES", PYBCAST_REPORT=1, empty cache:
#          staging (the report's total: read + broadcast + extract + publish for tar;
#          read + broadcast (the copy into images/<key>, hashed as it arrives) + publish +
#          mount for an image), and mpirun start -> the end of the import;
#   bytes: what the node root holds afterwards (du -x: the mount is not counted;
#          the PYTHONPYCACHEPREFIX mirror of hard links is left out);
#   warm:  a second step on the same root (cache hit; tar: the extracted tree, image: a
#          new mount): its staging, mpirun start -> end of import, the import alone inside
#          the step, then CHILDREN later processes of that step, one after another
#          (sys.executable -c "import $MODULES", spawn to exit), the median of them: what
#          each later process pays.
# Not a test: prints every run, then the medians and the ratios.
#   bench/image_bench.sh [RUNS] [MODULES]        e.g. bench/image_bench.sh 5 "numpy scipy.linalg pandas"
#   STACK=big bench/image_bench.sh 5             the issue's big stack (below)
# STACK: small (default): `pack python` + `pack dist PACK_DISTS --deps` (PACK_DISTS default:
#          the modules' top packages); MODULES default "numpy mpi4py".
#        ai:   one bundle from `pack --from-run --with-python` of
#          `import torch, pandas, sklearn, scipy, matplotlib, astropy, dask` (as
#          bench/ai_stack_bench.py makes it); MODULES default "numpy scipy torch".
#        big:  `pack python` + `pack dir --no-default-excludes` of all of Debian's
#          /usr/lib/python3/dist-packages laid out as PREFIX/lib/python3/dist-packages (hard
#          links; the links into /usr/lib/x86_64-linux-gnu, libtorch*, made absolute, as
#          --from-run leaves system libraries on the node): the issue's ~0.7 GB / ~31k-entry
#          stack; MODULES default "numpy scipy torch".
# IMAGE_VARIANTS: `pack image` options, one variant per ';' (default for small: the default
#   level and block size, zstd 3, zstd 15 with 1M blocks; for ai and big: the default only).
# BENCH_WORK: a directory to keep the bundles in and reuse (packing the big stack takes a
#   minute); RUNS=0 only packs, so that packing can run outside a `flock` hold on a shared build lock.
# CHILDREN: later processes per warm step (default 3).
# PYTHONDONTWRITEBYTECODE and PYTHONUNBUFFERED are unset (users usually have neither) unless
#   KEEP_PYTHON_ENV=1; the header says which are set.
# BENCH_CHROOT: the node-local root (default /dev/shm, as PYTHON_MPI_CHROOT's default).
set -euo pipefail
runs=${1:-5}
stack=${STACK:-small}
case $stack in
small) modules=${2:-"numpy mpi4py"} ;;
ai | big) modules=${2:-"numpy scipy torch"} ;;
*) echo "STACK must be small, ai or big" >&2 && exit 2 ;;
esac
children=${CHILDREN:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${PYBCAST_BIN:-$repo/build/bin}
if [ -n "${BENCH_WORK:-}" ]; then
  work=$BENCH_WORK
  mkdir -p "$work"
  keep_work=1
else
  work=$(mktemp -d /tmp/pybcast-image-bench-XXXXXX)
  keep_work=0
fi
chroot_base=$(mktemp -d "${BENCH_CHROOT:-/dev/shm}/pybcast-image-bench-XXXXXX")
cleanup() {
  rm -rf "$chroot_base"
  [ "$keep_work" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
[ "${KEEP_PYTHON_ENV:-0}" = 1 ] || unset PYTHONDONTWRITEBYTECODE PYTHONUNBUFFERED
default_variants="--level 6"
[ "$stack" = small ] && default_variants="--level 6;--level 3;--level 15 --block-size 1048576"
IFS=';' read -r -a variants <<<"${IMAGE_VARIANTS:-$default_variants}"
py=/usr/bin/python3

# --- the bundles --------------------------------------------------------------------
pack_big_prefix() {  # PREFIX/lib/python3/dist-packages: Debian's, hard-linked
  local prefix=$work/site-prefix site=/usr/lib/python3/dist-packages
  [ -e "$prefix.complete" ] && return
  rm -rf "$prefix"
  mkdir -p "$prefix/lib/python3"
  cp -al "$site" "$prefix/lib/python3/dist-packages"
  # Relative links that leave the tree (torch/lib/libtorch*.so -> ../../../../x86_64-linux-gnu/...)
  # point where they point in /usr: as absolute links (new links, not the shared inodes).
  local link original target
  while IFS= read -r -d '' link; do
    original=$site/${link#"$prefix/lib/python3/dist-packages/"}
    target=$(readlink -f "$original") || continue
    [ -e "$target" ] || continue
    rm "$link" && ln -s "$target" "$link"
  done < <(find "$prefix" -xtype l -print0)
  touch "$prefix.complete"
}
tar_bundles=()
case $stack in
small)
  dists=${PACK_DISTS:-$(for m in $modules; do echo "${m%%.*}"; done | sort -u | tr '\n' ' ')}
  [ -e "$work/python.tar.zst" ] || "$bin/pybcast" pack python --python $py -o "$work/python.tar.zst" 2>/dev/null
  # shellcheck disable=SC2086
  [ -e "$work/site.tar.zst" ] ||
    "$bin/pybcast" pack dist $dists --deps --no-check --python $py -o "$work/site.tar.zst" 2>/dev/null
  tar_bundles=(python.tar.zst site.tar.zst)
  what="pack python + pack dist $dists --deps"
  ;;
ai)
  [ -e "$work/ai.tar.zst" ] || "$bin/pybcast" pack --from-run --with-python -o "$work/ai.tar.zst" -- \
    $py -c "import torch, pandas, sklearn, scipy, matplotlib, astropy, dask" 2>/dev/null
  tar_bundles=(ai.tar.zst)
  what="pack --from-run --with-python -- $py -c 'import torch, pandas, sklearn, scipy, matplotlib, astropy, dask'"
  ;;
big)
  [ -e "$work/python.tar.zst" ] || "$bin/pybcast" pack python --python $py -o "$work/python.tar.zst" 2>/dev/null
  if [ ! -e "$work/site.tar.zst" ]; then
    pack_big_prefix
    "$bin/pybcast" pack dir "$work/site-prefix" --no-default-excludes --python $py -o "$work/site.tar.zst" 2>/dev/null
  fi
  tar_bundles=(python.tar.zst site.tar.zst)
  what="pack python + pack dir --no-default-excludes of /usr/lib/python3/dist-packages"
  ;;
esac
tar_list=$(
  IFS=:
  echo "${tar_bundles[*]}"
)
for i in "${!variants[@]}"; do
  if [ ! -e "$work/image$i.sqfs" ] || [ "$(cat "$work/image$i.options" 2>/dev/null)" != "${variants[$i]}" ]; then
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    (cd "$work" && "$bin/pybcast" pack image "${tar_bundles[@]}" ${variants[$i]} -o "image$i.sqfs" 2>/dev/null)
    end=$(date +%s.%N)
    echo "${variants[$i]}" >"$work/image$i.options"
    printf "%.1f\n" "$(echo "$end - $start" | bc)" >"$work/image$i.packtime"
  fi
done

echo "stack ($stack): $what"
for b in "${tar_bundles[@]}"; do printf "  %-16s %12s bytes\n" "$b" "$(stat -c %s "$work/$b")"; done
for i in "${!variants[@]}"; do
  printf "  image%d.sqfs      %12s bytes  pack image %s in %s s\n" "$i" "$(stat -c %s "$work/image$i.sqfs")" \
    "${variants[$i]}" "$(cat "$work/image$i.packtime")"
done
[ "$runs" = 0 ] && exit 0
echo "import $modules; $runs runs each, alternating; $children later processes per warm step; chroot $chroot_base"
echo "environment: PYTHONDONTWRITEBYTECODE=${PYTHONDONTWRITEBYTECODE-(unset)} PYTHONUNBUFFERED=${PYTHONUNBUFFERED-(unset)}" \
  "OPENBLAS_NUM_THREADS=1; drop_caches before each cold step: $([ -w /proc/sys/vm/drop_caches ] && echo yes || echo no)"
echo "load before: $(uptime)"

# --- one run ------------------------------------------------------------------------
imports=$(echo "$modules" | tr ' ' ',')
cold_code="import time; import $imports; print('BENCH_END', time.time(), flush=True)"
warm_code="import sys, time, subprocess
t0 = time.perf_counter()
import $imports
t1 = time.perf_counter()
print('BENCH_END', time.time(), flush=True)
kids = []
for _ in range($children):
    s = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import $imports'], check=True)
    kids.append(time.perf_counter() - s)
kids.sort()
print('BENCH_WARM', t1 - t0, kids[len(kids) // 2], *kids, flush=True)"

seconds() {  # the report's "  NAME  ranks  min  median  max" line -> median in seconds
  awk -v name="$1" '$1 == name && NF >= 5 {
    v = $5; u = $6; if (u == "ms") v /= 1000; if (u == "us") v /= 1e6; if (v == "-") v = 0; print v; exit }'
}
step() {  # $1: chroot, $2: packages, $3: code; prints the output, with the start time first
  local start
  start=$(date +%s.%N)
  echo "BENCH_START $start"
  mpirun -n 1 -x PYTHON_MPI_CHROOT="$1" -x PYTHON_MPI_PKGROOT="$work" -x PYTHON_MPI_PACKAGES="$2" \
    -x PYBCAST_REPORT=1 "$bin/python-mpi" -c "$3" 2>&1 || {
    echo "BENCH_FAILED"
    return 0
  }
}
fail_on_bench_failure() {  # WHICH PACKAGES OUTPUT
  if grep -q BENCH_FAILED <<<"$3"; then
    echo "failed ($1): $2: $3" >&2
    exit 1
  fi
}
# prints: cold_stage cold_to_import bytes warm_stage warm_to_import warm_import_in_step later_process
#         cold_extract_or_broadcast entries
one_run() {  # $1: packages
  local chroot=$chroot_base/run-$RANDOM$RANDOM out warm
  mkdir -p "$chroot"
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  out=$(step "$chroot" "$1" "$cold_code")
  fail_on_bench_failure cold "$1" "$out"
  local start end stage phase bytes
  start=$(awk '/^BENCH_START/{print $2}' <<<"$out")
  end=$(awk '/^BENCH_END/{print $2}' <<<"$out")
  stage=$(seconds total <<<"$out")
  phase=$(seconds extract <<<"$out")
  [ "$phase" = 0 ] && phase=$(seconds broadcast <<<"$out")
  sleep 0.5  # auto_unmount's helper removes the mount after the step; du -x skips it anyway
  bytes=$(du -sbx --exclude=pycache "$chroot" | cut -f1)
  warm=$(step "$chroot" "$1" "$warm_code")
  fail_on_bench_failure warm "$1" "$warm"
  local wstart wend wstage wimport wlater
  wstart=$(awk '/^BENCH_START/{print $2}' <<<"$warm")
  wend=$(awk '/^BENCH_END/{print $2}' <<<"$warm")
  wstage=$(seconds total <<<"$warm")
  read -r wimport wlater < <(awk '/^BENCH_WARM/{print $2, $3}' <<<"$warm")
  if [ ! -e "$chroot_base/report-shown" ] && [ "$1" = "$tar_list" ]; then  # one_run runs in $(...)
    touch "$chroot_base/report-shown"
    sed -n '/^pybcast stage report/,/^  nodes:/p' <<<"$out" | sed 's/^/    | /' >&2
  fi
  rm -rf "$chroot"
  echo "$stage $(echo "$end - $start" | bc) $bytes $wstage $(echo "$wend - $wstart" | bc) $wimport $wlater $phase"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

: >"$work/tar.txt"
for i in "${!variants[@]}"; do : >"$work/image$i.txt"; done
echo "per run: cold_stage_s cold_to_import_s node_bytes warm_stage_s warm_to_import_s warm_import_in_step_s" \
  "later_process_s cold_extract_or_copy_phase_s"
for r in $(seq "$runs"); do
  line=$(one_run "$tar_list")
  echo "$line" >>"$work/tar.txt"
  echo "run $r tar    $line"
  for i in "${!variants[@]}"; do
    line=$(one_run "image$i.sqfs")
    echo "$line" >>"$work/image$i.txt"
    echo "run $r image$i $line"
  done
done
echo "load after: $(uptime)"
echo
names=("staging, cold (s)" "first import, cold (s)" "node bytes held" "staging, warm step (s)"
  "import, warm step (s)" "  of it: the import alone" "later process (s)" "  extract | copy phase (s)")
goals=("<= 0.2x" "<= 0.7x" "<= 0.35x" "" "" "" "<= 1.05x" "")
order=(1 2 7 4 5 6 3 8)
for col in "${order[@]}"; do
  t=$(cut -d' ' -f"$col" "$work/tar.txt" | median)
  f="%12.4f"
  [ "$col" = 3 ] && f="%12.0f"
  # shellcheck disable=SC2059
  line=$(printf "%-28s tar $f" "${names[$((col - 1))]}" "$t")
  for i in "${!variants[@]}"; do
    m=$(cut -d' ' -f"$col" "$work/image$i.txt" | median)
    # shellcheck disable=SC2059
    line+=$(printf "  image%d $f (%.3fx)" "$i" "$m" "$(echo "$m / $t" | bc -l)")
  done
  goal=${goals[$((col - 1))]}
  [ -n "$goal" ] && line+="  goal $goal"
  echo "$line"
done
