#!/bin/bash
# A clean environment (system PATH, no PYTHON* variables, run from a local scratch
# directory): doctor exits 0 and lists every location it checked, in the table and in
# the JSON; --measure counts with strace, or says it estimates when strace is missing.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"
skip_if_shared /usr/bin /bin "$SCRATCH" "$("$PYTHON" -c 'import sys; print(sys.prefix)')"
echo 'print("hello")' >job.py
mkdir empty-bin
clean=(env -i "HOME=$SCRATCH" PATH=/usr/bin:/bin)

run "${clean[@]}" "$PYBCAST" doctor --python "$PYTHON" --script job.py
expect_status 0 "clean environment"
for row in "^PATH\[0\] .* ok .*/usr/bin$" "^PATH\[1\] .* ok .*/bin$" "^python .* ok " "^sys.path\[[0-9]*\] .* ok " \
  "^cwd .* ok  *$SCRATCH$" "^script .* ok  *$SCRATCH/job.py$"; do
  grep -q "$row" "$OUT" || fail "no row matching '$row' in: $(cat "$OUT")"
done
! grep -q "shared \[" "$OUT" || fail "something flagged as shared: $(cat "$OUT")"
grep -q "^None of the [0-9]* locations is on a shared file system.$" "$OUT" || fail "summary: $(cat "$OUT")"
rows=$(grep -cE '^(PATH|LD_LIBRARY_PATH|PYTHON[A-Z]*|python|sys\.path|cwd|script)(\[[0-9]+\])? ' "$OUT")

run "${clean[@]}" "$PYBCAST" doctor --python "$PYTHON" --script job.py --json
expect_status 0 "clean environment, --json"
expect_json 'd["schema"]' 1
expect_json 'd["status"]' ok
expect_json 'd["shared_locations"]' 0
expect_json 'len(d["locations"])' "$rows"
expect_json 'any(l["shared"] for l in d["locations"])' False
expect_json 'sorted(set(l["source"] for l in d["locations"]))' "['PATH', 'cwd', 'python', 'script', 'sys.path']"
expect_json '[l["path"] for l in d["locations"] if l["source"] == "PATH"]' "['/usr/bin', '/bin']"
expect_json 'd["python"]["executable"] is not None and d["python"]["error"] is None' True
expect_json 'd["measure"]' None

# --measure: counted with strace where it is installed.
if command -v strace >/dev/null; then
  run env -i "HOME=$SCRATCH" "PATH=$(dirname "$(command -v strace)"):/usr/bin:/bin" \
    "$PYBCAST" doctor --python "$PYTHON" --json --measure 'import json'
  expect_status 0 "--measure with strace"
  expect_json 'd["measure"]["method"]' strace
  expect_json 'd["measure"]["note"]' None
  expect_json 'd["measure"]["exit_status"]' 0
  expect_json 'd["measure"]["total_ops"] > 50' True
  expect_json 'd["measure"]["shared_ops"]' 0
  expect_json 'sum(f["ops"] for f in d["measure"]["filesystems"]) == d["measure"]["total_ops"]' True
  expect_json 'any(c in f["calls"] for f in d["measure"]["filesystems"] for c in ("newfstatat", "stat", "openat"))' True
fi

# Without strace on PATH: an estimate, and labelled so.
run env -i "HOME=$SCRATCH" "PATH=$SCRATCH/empty-bin" "$PYBCAST" doctor --python "$PYTHON" --measure 'import json'
expect_status 0 "--measure without strace"
grep -q "ESTIMATE" "$OUT" || fail "the estimate is not labelled: $(cat "$OUT")"
run env -i "HOME=$SCRATCH" "PATH=$SCRATCH/empty-bin" "$PYBCAST" doctor --python "$PYTHON" --json --measure 'import json'
expect_json 'd["measure"]["method"]' estimate
expect_json '"strace not found" in d["measure"]["note"]' True
expect_json 'd["measure"]["total_ops"] > 0' True

# Code that fails is reported, not fatal.
run "${clean[@]}" "$PYBCAST" doctor --python "$PYTHON" --json --measure 'import no_such_module_here'
expect_status 0 "--measure of failing code"
expect_json 'd["measure"]["exit_status"]' 1
expect_json '"no_such_module_here" in d["measure"]["error"]' True
echo "ok: clean environment exits 0 with $rows locations listed; --measure counts (or estimates, labelled)"

# Issue 18, C9: doctor names the MPI library the python's mpi4py needs and
# whether python-mpi runs the same family. A copy whose extension needs MPICH's
# library, first on PYTHONPATH, is a mismatch (a note: exit status unchanged).
if [ -d /usr/lib/python3/dist-packages/mpi4py ] && command -v patchelf >/dev/null &&
   ldd "$PYBCAST" | grep -q "libmpi.so.40"; then
  run "${clean[@]}" "$PYBCAST" doctor --python "$PYTHON"
  grep -q "mpi4py /usr/lib/python3/dist-packages/mpi4py/MPI.*needs libmpi.so.40 (Open MPI); python-mpi runs Open MPI.*they match" "$OUT" ||
    fail "no mpi4py note: $(cat "$OUT")"
  mkdir -p "$SCRATCH/mpich"
  cp -r /usr/lib/python3/dist-packages/mpi4py "$SCRATCH/mpich/"
  patchelf --replace-needed libmpi.so.40 libmpich.so.12 "$SCRATCH"/mpich/mpi4py/MPI.*.so
  run "${clean[@]}" "PYTHONPATH=$SCRATCH/mpich" "$PYBCAST" doctor --python "$PYTHON"
  expect_status 0 "an mpi4py of another MPI family (a note)"
  grep -q "MPI MISMATCH: mpi4py ($SCRATCH/mpich/mpi4py/MPI.*) is built against libmpich.so.12 (MPICH)" "$OUT" ||
    fail "no mismatch note: $(cat "$OUT")"
  echo "ok: doctor names mpi4py's MPI library and a mismatch with the MPI python-mpi runs"
fi

# Issue 29: doctor says whether this node can mount image bundles, and why not.
run "${clean[@]}" "$PYBCAST" doctor --python "$PYTHON"
if [ -r /dev/fuse ] && [ -w /dev/fuse ] && [ -x /usr/bin/fusermount3 ] &&
  { [ -x /usr/bin/squashfuse_ll ] || [ -x "$(dirname "$PYBCAST")/../lib/pybcast/pybcast-image-server" ]; }; then
  grep -q "image bundles: this node can mount them" "$OUT" || fail "no image-mount note: $(cat "$OUT")"
else
  grep -q "image bundles: this node cannot mount them (" "$OUT" || fail "no image-mount note: $(cat "$OUT")"
fi
run "${clean[@]}" PYBCAST_TEST_NO_FUSE=1 "$PYBCAST" doctor --python "$PYTHON"
expect_status 0 "no FUSE (a note)"
grep -q "image bundles: this node cannot mount them (PYBCAST_TEST_NO_FUSE=1); they are extracted instead" "$OUT" ||
  fail "no no-FUSE note: $(cat "$OUT")"
echo "ok: doctor says whether this node can mount image bundles"
