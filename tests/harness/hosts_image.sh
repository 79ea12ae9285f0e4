#!/bin/bash
# Image bundles (issue 29) on 2 pretend hosts x 2 ranks, each host with its own
# hostname, /dev/shm and network namespace (production topology: no
# --virtual-nodes). Two stacks, each as tar bundles and as one image:
#   demo:  pack python, pack dist numpy, pack dist mpi4py (the demo's bundles);
#   torch: pack python, pack dist torch --deps, pack dist numpy
#          typing_extensions mpi4py (the torch_bundles fixture, image included).
# For each image job: every rank's prefix is a mount (its st_dev differs from
# its parent directory's) holding the numpy, mpi4py (and torch) it imported;
# the rank lines (host, node size, where each module came from, an allreduce,
# seeded log-determinants) are identical to the tar bundles' but for the
# cache key; pbh1 received the image over its link and each host holds it in
# its own cache, with nothing of it extracted; once the job is over no process
# is left in any host's namespaces: no image server, so no mount.
# Relies on neither PYTHONUNBUFFERED nor PYTHONDONTWRITEBYTECODE (each rank
# writes to its own file; no line compared depends on bytecode).
. "$(dirname "$0")/hosts_lib.sh"
command -v tar2sqfs >/dev/null && command -v squashfuse_ll >/dev/null ||
  skip "squashfs-tools-ng and squashfuse are not installed"
TORCH_BUNDLES=${PYBCAST_TORCH_BUNDLES:?the torch_bundles fixture (tests/e2e/make_torch_bundles.sh)}
# The fixture leaves no directory where it skipped (no python3-torch).
[ -d "$TORCH_BUNDLES" ] || skip "no torch bundles: Debian's python3-torch is not installed"
[ -f "$TORCH_BUNDLES/torch.sqfs" ] || fail "the torch_bundles fixture made no image: $(ls "$TORCH_BUNDLES")"
cp "$TORCH_BUNDLES"/python.tar.zst "$TORCH_BUNDLES"/torch.tar.zst "$TORCH_BUNDLES"/site.tar.zst "$TORCH_BUNDLES"/torch.sqfs "$PKGROOT/"
pack() { (cd "$PKGROOT" && "$PYBCAST" pack "$@" 2>"$SCRATCH/pack.err") || fail "pybcast pack $*: $(cat "$SCRATCH/pack.err")"; }
pack dist numpy --python /usr/bin/python3 --no-check -o numpy.tar.zst
pack dist mpi4py --python /usr/bin/python3 --no-check -o mpi4py.tar.zst
pack image python.tar.zst numpy.tar.zst mpi4py.tar.zst -o demo.sqfs

# Argument "torch": torch must import too.
cat >"$SCRATCH/job.py" <<'PY'
import os, socket, sys
import numpy
from mpi4py import MPI
comm = MPI.COMM_WORLD
node = comm.Split_type(MPI.COMM_TYPE_SHARED)
host = socket.gethostname()
total = comm.allreduce(numpy.arange(5.0) * (comm.rank + 1))
a = numpy.random.default_rng(comm.rank).standard_normal((16, 16))
line = (f"rank {comm.rank} host {host} node-size {node.size} numpy {numpy.__file__} mpi4py {MPI.__file__} "
        f"sum {total.tolist()} logdet {numpy.linalg.slogdet(a @ a.T)[1]!r}")
modules = [numpy, MPI]
if sys.argv[1:] == ["torch"]:
    import torch
    x = torch.randn(16, 16, generator=torch.Generator().manual_seed(comm.rank), dtype=torch.float64)
    line += f" torch {torch.__file__} logdet {float(torch.linalg.slogdet(x @ x.T).logabsdet)!r}"
    modules.append(torch)
print(line)
dev = lambda p: os.stat(p).st_dev
print(f"rank {comm.rank}: prefix mounted {dev(sys.prefix) != dev(os.path.dirname(sys.prefix))}, "
      f"imports on it {all(dev(m.__file__) == dev(sys.prefix) for m in modules)}")
PY

up_or_skip 2 --netns --slots 2
export PYTHON_MPI_CHROOT=/dev/shm PYTHON_MPI_PKGROOT=$PKGROOT OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
forward=(-x PYTHON_MPI_CHROOT -x PYTHON_MPI_PKGROOT -x PYTHON_MPI_PACKAGES -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS)
shm_root=/dev/shm/pybcast-$(id -u)
# The rank lines of the last job, escape codes stripped, the cache key made KEY.
rank_lines() {
  grep -aE "^rank [0-3] host " "$SCRATCH/out" | sed -E 's/\x1b\[[0-9;]*m//g; s|/cache/[0-9a-f]{32}/|/cache/KEY/|g' | sort
}
# Processes still in a pretend host's mount namespace (each host's /dev/shm is a bind mount there).
procs_on_hosts() {
  grep -lsF -- "$PBH_SHM/pbh" /proc/[0-9]*/mountinfo | sed -E 's|^/proc/([0-9]+)/mountinfo$|\1|' | while read -r p; do
    echo "$p:$(cat "/proc/$p/comm" 2>/dev/null)"
  done
}
for stack in demo torch; do
  case $stack in
    demo)
      tars=python.tar.zst:numpy.tar.zst:mpi4py.tar.zst
      args=()
      ;;
    torch)
      tars=python.tar.zst:torch.tar.zst:site.tar.zst
      args=(torch)
      ;;
  esac
  for bundles in "$tars" "$stack.sqfs"; do
    read -r rx0 _ < <(hosts_link_bytes pbh1)
    PYTHON_MPI_PACKAGES=$bundles run_hosts "${forward[@]}" "$PYTHON_MPI" "$SCRATCH/job.py" "${args[@]}"
    [ "$STATUS" -eq 0 ] || fail "$bundles: the job failed ($STATUS): $(cat "$SCRATCH/out")"
    for r in 0 1 2 3; do
      [ "$(count_matches "rank $r host pbh$((r / 2)) node-size 2 numpy $shm_root/cache/[0-9a-f]{32}/[^ ]+ mpi4py $shm_root/cache/")" -eq 1 ] ||
        fail "$bundles: rank $r did not run on pbh$((r / 2)) from its node copy: $(cat "$SCRATCH/out")"
    done
    if [ "$bundles" = "$tars" ]; then
      [ "$(count_matches "rank [0-3]: prefix mounted False, imports on it True")" -eq 4 ] ||
        fail "$bundles: an extracted prefix taken for a mount: $(cat "$SCRATCH/out")"
      rank_lines >"$SCRATCH/$stack.tar.lines"
      continue
    fi
    [ "$(count_matches "rank [0-3]: prefix mounted True, imports on it True")" -eq 4 ] ||
      fail "$bundles: not every rank imported from a mounted prefix: $(cat "$SCRATCH/out")"
    rank_lines | diff "$SCRATCH/$stack.tar.lines" - >"$SCRATCH/diff" ||
      fail "$bundles: the rank lines differ from the tar bundles': $(cat "$SCRATCH/diff")"
    read -r rx _ < <(hosts_link_bytes pbh1)
    [ $((rx - rx0)) -ge "$(stat -c %s "$PKGROOT/$bundles")" ] || fail "$bundles: pbh1 received $((rx - rx0)) bytes on its link"
    key=$(grep -aoE -m1 "$shm_root/cache/[0-9a-f]{32}" "$SCRATCH/out" | head -1)
    key=${key##*/}
    for h in "${PBH_HOSTS[@]}"; do
      [ -f "$(hosts_shm "$h")/pybcast-$(id -u)/images/$key/image.sqfs" ] || fail "$bundles: $h holds no image $key"
      [ -z "$(ls -A "$(hosts_shm "$h")/pybcast-$(id -u)/cache/$key")" ] || fail "$bundles: files of the image extracted on $h"
    done
    # The hosts' daemons exit with mpirun; what is left in their namespaces would hold a mount.
    for _ in $(seq 50); do
      [ -z "$(procs_on_hosts)" ] && break
      sleep 0.1
    done
    [ -z "$(procs_on_hosts)" ] || fail "$bundles: processes left on the hosts after the job: $(procs_on_hosts | tr '\n' ' ')"
    echo "ok: $bundles: 4 ranks on 2 pretend hosts imported from the mounted image, the same lines as $tars; nothing left"
  done
done
expect_no_leftovers_on_hosts
finish_hosts
