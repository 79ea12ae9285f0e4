#!/bin/bash
# Installs what pybcast needs on Debian 12, from Debian's own packages, in three
# nested sets (each includes the one before):
#   runtime  build pybcast and run it: compiler, MPI, archive/compression libraries, patchelf,
#            squashfs-tools-ng + squashfuse + fuse3 + libfuse3/libsquashfs (image bundles)
#   demo     runtime + what ./demo/run-demo.sh packs and runs (python3, numpy, mpi4py)
#   test     demo + the test suite, CI beyond it, the real stacks and the benchmarks (default)
# Usage: scripts/install-deps.sh [runtime|demo|test]
set -euo pipefail
set_name=${1:-test}
runtime=(
  build-essential cmake pkg-config git ca-certificates
  openmpi-bin libopenmpi-dev
  libarchive-dev libzstd-dev zlib1g-dev liblzma-dev libbz2-dev
  # gzip through ISA-L (zlib is the fallback when it is missing)
  libisal-dev
  libcli11-dev libfmt-dev libxxhash-dev nlohmann-json3-dev
  # CMake configures the tests too (find_package(GTest)); building them is separate
  libgtest-dev
  # pack and directory staging: RUNPATH/RPATH rewriting to $ORIGIN when the new text is longer
  patchelf
  # image bundles (issue 29): tar2sqfs/sqfs2tar (pack image, extraction without FUSE),
  # fusermount3 and our server, pybcast-image-server (libfuse3 over libsquashfs), which
  # each job step mounts the image with; squashfuse_ll serves where it was not built
  squashfs-tools-ng squashfuse fuse3 libfuse3-dev libsquashfs-dev
)
demo=(
  python3 python3-numpy python3-mpi4py
)
test=(
  python3-dev libpython3.11
  python3-pip python3-venv python3-setuptools python3-wheel
  # igzip for bench/stage_bench.py
  isal
  strace zstd pigz xz-utils bzip2 bc util-linux iproute2
  fuse3 libfuse3-dev
  # CI beyond the suite: MPICH build, sanitizers and fuzzing, the .deb, Lmod, man pages
  mpich libmpich-dev clang-14 libclang-rt-14-dev
  dpkg-dev lmod man-db groff-base bash-completion
  # The Slurm tests (tests/harness/slurm_cluster.sh): slurmctld, slurmd, the clients,
  # munge, and the plugins (mpi_pmix for Open MPI under srun, proctrack/linuxproc, task/none)
  slurm-wlm slurmctld slurmd slurm-client slurm-wlm-basic-plugins munge
  # Real stacks the tests run (Debian's AI stack: torch/lib/*.so are symlinks across prefixes;
  # h5py's distribution name differs from its import name), and make bench's biggest stack
  python3-torch python3-pandas python3-sklearn python3-astropy python3-dask python3-h5py
  python3-matplotlib python3-scipy
  # Warm caches (tests/harness/hosts_warm_caches.sh, bench/warm_caches_bench.sh): Numba's cache
  python3-numba
  # Parallel h5py (driver="mpio"): pack dist by import name, MPI-IO from bundles
  python3-h5py-mpi
)
case $set_name in
  runtime) packages=("${runtime[@]}") ;;
  demo) packages=("${runtime[@]}" "${demo[@]}") ;;
  test) packages=("${runtime[@]}" "${demo[@]}" "${test[@]}") ;;
  *) echo "install-deps.sh: unknown set '$set_name' (runtime, demo or test)" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ($set_name set): ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# munge and slurm start system services when installed; the tests run daemons of
# their own and want none of them. Deny service starts for this install unless the
# machine already has a policy (Debian's policy-rc.d convention, as in containers).
policy=/usr/sbin/policy-rc.d
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
  $SUDO chmod 755 $policy
  trap "$SUDO rm -f $policy" EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
