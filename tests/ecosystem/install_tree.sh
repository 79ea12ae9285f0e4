#!/bin/bash
# `cmake --install` puts everything in the usual places, and the modulefile
# loads under Lmod: PATH (pybcast --version), MANPATH (man pybcast), the site
# PYTHON_MPI_CHROOT unless the user set one, help and whatis; unload restores.
# With PYBCAST_INSTALLED_PREFIX=/usr it checks an installed package instead.
. "$(dirname "$0")/lib.sh"
if [ -n "${PYBCAST_INSTALLED_PREFIX:-}" ]; then
  prefix=$PYBCAST_INSTALLED_PREFIX
else
  build=${PYBCAST_BUILD_DIR:?set PYBCAST_BUILD_DIR to the build directory}
  prefix=$SCRATCH/prefix
  cmake --install "$build" --prefix "$prefix" >"$SCRATCH/install.log" 2>&1 || fail "cmake --install: $(tail "$SCRATCH/install.log")"
fi
version=$("$prefix/bin/pybcast" --version | awk '{print $2}')
for f in bin/pybcast bin/python-mpi share/man/man1/pybcast.1 share/man/man1/python-mpi.1 \
  lib/pybcast/libpybcast_audit.so share/bash-completion/completions/pybcast share/modulefiles/pybcast/$version.lua \
  share/pybcast/examples/allreduce_numpy.py share/pybcast/examples/slurm-srun.sbatch \
  share/pybcast/examples/slurm-two-step.sbatch share/pybcast/examples/pbs-mpiexec.pbs \
  share/pybcast/examples/cray-aprun.pbs share/pybcast/examples/flux-run.sh share/pybcast/examples/mpirun.sh; do
  [ -e "$prefix/$f" ] || fail "not installed: $prefix/$f"
done
[ -x "$prefix/share/pybcast/examples/mpirun.sh" ] || fail "examples lost their execute bits"
# The image server beside the audit library (built where libfuse3-dev and libsquashfs-dev are,
# as install-deps installs them; a package always carries it).
if [ -n "${PYBCAST_INSTALLED_PREFIX:-}" ] || [ -e "$build/lib/pybcast/pybcast-image-server" ]; then
  [ -x "$prefix/lib/pybcast/pybcast-image-server" ] || fail "not installed: $prefix/lib/pybcast/pybcast-image-server"
fi
# The installed binaries carry no empty or relative search-path entry either.
for f in "$prefix/bin/pybcast" "$prefix/bin/python-mpi"; do
  paths=$(readelf -d "$f" | sed -nE 's/.*\((RUNPATH|RPATH)\).*\[(.*)\]$/\2/p')
  [[ -z $paths || ( $paths != *::* && $paths != :* && $paths != *: && $paths != [!/\$]* ) ]] ||
    fail "$f: search path [$paths] has an empty or relative entry"
done

lmod_init=/usr/share/lmod/lmod/init/bash
[ -r "$lmod_init" ] || skip "Lmod is not installed (Debian package lmod)"
unset PYTHON_MPI_CHROOT MANPATH
export PATH=/usr/local/bin:/usr/bin:/bin
# shellcheck disable=SC1090
. "$lmod_init"
module use "$prefix/share/modulefiles"
module avail pybcast 2>&1 | grep -q "pybcast/$version" || fail "module avail does not list pybcast/$version"
module load pybcast || fail "module load pybcast failed"
[ "$(command -v pybcast)" = "$prefix/bin/pybcast" ] || fail "pybcast on PATH is $(command -v pybcast)"
[ "$(command -v python-mpi)" = "$prefix/bin/python-mpi" ] || fail "python-mpi on PATH is $(command -v python-mpi)"
pybcast --version | grep -qx "pybcast $version" || fail "pybcast --version: $(pybcast --version)"
if [ "$prefix" != /usr ]; then
  [[ :$MANPATH: == *":$prefix/share/man:"* ]] || fail "MANPATH lacks $prefix/share/man: ${MANPATH:-}"
fi
man -w pybcast | grep -q "^$prefix/share/man/man1/pybcast.1" || fail "man finds $(man -w pybcast 2>&1)"
[ "$PYTHON_MPI_CHROOT" = /dev/shm ] || fail "site PYTHON_MPI_CHROOT not set: '${PYTHON_MPI_CHROOT:-}'"
[ "$PYBCAST_EXAMPLES" = "$prefix/share/pybcast/examples" ] || fail "PYBCAST_EXAMPLES=$PYBCAST_EXAMPLES"
module help pybcast 2>&1 | grep -q "start Python fast on supercomputers" || fail "module help: $(module help pybcast 2>&1)"
module whatis pybcast 2>&1 | grep -q "Version: $version" || fail "module whatis: $(module whatis pybcast 2>&1)"
module unload pybcast
[ -z "${PYTHON_MPI_CHROOT:-}" ] || fail "unload left PYTHON_MPI_CHROOT=$PYTHON_MPI_CHROOT"
if [ "$prefix" != /usr ]; then
  [ "$(command -v pybcast || true)" != "$prefix/bin/pybcast" ] || fail "unload left pybcast on PATH"
else
  [ "$(command -v pybcast)" = /usr/bin/pybcast ] || fail "unload took /usr/bin off PATH"
fi

# A user's own node-local root wins, and survives unload.
export PYTHON_MPI_CHROOT=/local/scratch
module load pybcast
[ "$PYTHON_MPI_CHROOT" = /local/scratch ] || fail "the module overrode the user's PYTHON_MPI_CHROOT: $PYTHON_MPI_CHROOT"
module unload pybcast
[ "$PYTHON_MPI_CHROOT" = /local/scratch ] || fail "unload changed the user's PYTHON_MPI_CHROOT: '${PYTHON_MPI_CHROOT:-}'"
echo "ok: installed under $prefix; module load pybcast gives pybcast $version, man pybcast and PYTHON_MPI_CHROOT"
