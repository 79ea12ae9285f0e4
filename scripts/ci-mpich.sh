#!/bin/bash
# The MPI integration tests against MPICH: configures BUILD_DIR with Debian's
# MPICH wrapper (/usr/bin/mpicc.mpich; the system's mpicc alternative is left
# alone), checks that the binaries link libmpich and not Open MPI, and runs the
# CTest labels mpi and reliability (not the 4 GiB `giant` case; mpi includes
# audit_mpi_shape, --audit's JSON and a killed rank) with
# PYBCAST_MPI=mpich, so tests/lib/mpi.sh launches with Hydra (mpiexec.hydra).
# The e2e tests stay Open MPI only: Debian's mpi4py is built against Open MPI.
# Usage: scripts/ci-mpich.sh BUILD_DIR     Needs Debian's mpich and libmpich-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: $0 BUILD_DIR}
for tool in /usr/bin/mpicc.mpich /usr/bin/mpiexec.hydra; do
  [ -x "$tool" ] || { echo "ci-mpich: $tool is missing (apt-get install mpich libmpich-dev)" >&2; exit 1; }
done
start=$SECONDS
mkdir -p "$build"
# Unoptimised, no debug info: the fastest build (CI time); the tests check behaviour only.
# A unity build (CMake's batches of 8 sources): 75 s instead of 214 s at -j2 on 2 cores
# (2026-12-07, load about 2). make test's build still compiles every source on its own,
# with -Werror, so a source that only compiles next to its batch-mates is still caught.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_UNITY_BUILD=ON -DMPI_C_COMPILER=/usr/bin/mpicc.mpich \
  -DMPIEXEC_EXECUTABLE=/usr/bin/mpiexec.hydra >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
# slowfs too where libfuse3 is installed: audit_mpi_shape (label mpi) mounts it, and skips without it.
targets=(pybcast python-mpi)
if pkg-config --exists fuse3; then targets+=(slowfs); fi
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)"
for bin in pybcast python-mpi; do
  libs=$(ldd "$build/bin/$bin")
  grep -q 'libmpich\.so' <<<"$libs" || { echo "ci-mpich: $bin does not link libmpich:"; echo "$libs"; exit 1; } >&2
  ! grep -qE 'libmpi\.so|libopen-(pal|rte)' <<<"$libs" || { echo "ci-mpich: $bin links Open MPI:"; echo "$libs"; exit 1; } >&2
done
echo "ci-mpich: built against $(grep -m1 -oE 'MPICH Version:.*' < <(/usr/bin/mpichversion) | tr -s ' \t' ' ') in $((SECONDS - start)) s"
# The extraction-thread variants test the extractor, not the MPI: make test and
# ci-sanitize run them; left out here to keep CI under its time budget, as are
# the tests of rank 0's input handling, where no MPI call differs (the cache
# key across mounts, the hostile corpora, cache integrity, hostile roots).
PYBCAST_MPI=mpich ctest --test-dir "$build" -L '^(mpi|reliability)$' -LE '^giant$' \
  -E '^(mpi_stage_threads_match_tar|reliability_(hostile_corpus|hostile_corpus_8_threads|bundle_identity|cache_integrity|hostile_roots))$' \
  --output-on-failure
echo "ci-mpich: done in $((SECONDS - start)) s"
