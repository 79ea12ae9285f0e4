#!/bin/bash
# A prefix of 200 shared libraries with absolute RUNPATHs into itself, staged
# as a directory (issue 25): no process is started while staging (the
# RUNPATHs are edited in place, no patchelf), every library loads from the
# node copy and nothing is opened under the original prefix to load it, and
# the staged libraries are byte for byte those of `pybcast pack dir`.
. "$(dirname "$0")/../lib/mpi.sh"
command -v cc >/dev/null || skip "no C compiler"
command -v strace >/dev/null || skip "no strace"
for b in "${PY_STACK[@]}"; do cp "$PY_BUNDLES/prefix/$b" "$PKGROOT/"; done
N=200
PREFIX=$PKGROOT/libprefix
"$REPO/tests/tools/make_runpath_prefix.sh" "$PREFIX" "$N" "$SCRATCH/build"
readelf -d "$PREFIX/lib/mods/libm0.so" | grep -q "RUNPATH.*$PREFIX/lib" || fail "the fixture has no absolute RUNPATH"

cat >"$SCRATCH/load.py" <<'PY'
import ctypes, os, re, sys
root = os.environ["PYTHON_MPI_CHROOT"] + "/"
mods = os.path.join(sys.prefix, "lib", "mods")
values = {ctypes.CDLL(os.path.join(mods, "libm%d.so" % i)).mod_value() for i in range(int(sys.argv[1]))}
maps = [l.split()[-1] for l in open("/proc/self/maps") if l.rstrip().endswith(".so") and "/lib" in l]
ours = sorted({p for p in maps if re.fullmatch(r"libm\d+\.so|libbase\.so", os.path.basename(p))})
off = [p for p in ours if not p.startswith(root)]
print("LIBS", "ok" if values == {8} and not off and len(ours) == int(sys.argv[1]) + 1 else "BAD %s %s %d" % (values, off[:3], len(ours)))
PY
export PYTHON_MPI_CHROOT=$CHROOT PYTHON_MPI_PKGROOT=$PKGROOT PYBCAST_VIRTUAL_NODES=2
export PYTHON_MPI_PACKAGES="python-3.11.tar.gz:$PREFIX"
log=$SCRATCH/cold.log
STRACE_OPTS="-e trace=execve,openat" PYBCAST_REPORT=1 strace_mpi "$log" 4 "$PYTHON_MPI" "$SCRATCH/load.py" "$N"
[ "$STATUS" -eq 0 ] || fail "cold job failed: $(tail -20 "$SCRATCH/out")"
[ "$(count_matches 'LIBS ok')" -eq 4 ] || fail "not every rank loaded the $N libraries from its node copy: $(grep -a LIBS "$SCRATCH/out" | head -3)"
echo "ok: 4 ranks / 2 virtual nodes load $N libraries and their dependency from the node copies"

# Processes started: the launcher's own and python-mpi, nothing else (no patchelf).
started=$(grep -E ' execve\(' "$log" | grep -vE '= -1 ' | sed -E 's/^[0-9]+ +execve\("([^"]*)".*/\1/' | xargs -n1 basename | sort -u)
others=$(echo "$started" | grep -vxE 'mpirun(\.openmpi)?|orterun|orted|prterun|prted|mpiexec(\.hydra)?|hydra_pmi_proxy|python-mpi' || true)
[ -z "$others" ] || fail "processes other than the launcher's and python-mpi were started: $others"
grep -q 'RUNPATH made $ORIGIN-relative in '"$((N + 0))"' ELF files' "$SCRATCH/out" ||
  fail "--report does not show the RUNPATH edits: $(grep -a 'directory ' "$SCRATCH/out" | head -3)"
grep -q "($N in place, 0 by patchelf" "$SCRATCH/out" || fail "not every edit was in place: $(grep -a RUNPATH "$SCRATCH/out")"
echo "ok: staging started no process (started: $(echo $started)); --report: $(grep -aoE 'RUNPATH made [^)]*\)' "$SCRATCH/out" | head -1)"

# Opened under the original prefix: only by the streaming rank, to read the
# files (O_NONBLOCK: a FIFO put there cannot hang it), never by the loader.
loader=$(grep -E "openat\([^\"]*\"$PREFIX/[^\"]*\.so\"" "$log" | grep -v O_NONBLOCK | grep -vE '= -1 ' || true)
[ -z "$loader" ] || fail "libraries opened under the original prefix to load them: $(echo "$loader" | head -3)"
echo "ok: no library opened under the original prefix by the loader"

# The staged libraries are pack's bytes.
ok_pack() { "$PYBCAST" pack dir "$PREFIX" -o "$SCRATCH/libs.tar.zst" >"$SCRATCH/pack.out" 2>&1 || fail "pack: $(cat "$SCRATCH/pack.out")"; }
ok_pack
mkdir "$SCRATCH/X"
tar -xf "$SCRATCH/libs.tar.zst" -C "$SCRATCH/X"
staged=$(vnode_prefix 0)
for f in lib/libbase.so lib/mods/libm0.so lib/mods/libm$((N - 1)).so; do
  cmp -s "$SCRATCH/X/$f" "$staged/$f" || fail "$f: the staged copy differs from pack's"
done
differ=0
for ((i = 0; i < N; i++)); do cmp -s "$SCRATCH/X/lib/mods/libm$i.so" "$staged/lib/mods/libm$i.so" || differ=$((differ + 1)); done
[ "$differ" -eq 0 ] || fail "$differ staged libraries differ from pack's"
echo "ok: the $N staged libraries are byte for byte pack's"
