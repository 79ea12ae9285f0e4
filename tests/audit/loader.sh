#!/bin/bash
# The dynamic loader's library searches are counted (LD_AUDIT's la_objsearch):
#  - RUNPATH: a library outside the mount whose absolute RUNPATH is
#    "$MNT/empty:$MNT/rlib" (what "Real environments" prefixes carried), loaded
#    with ctypes: every rank tries $MNT/empty/libinner.so (failed) and finds
#    $MNT/rlib/libinner.so;
#  - LD_LIBRARY_PATH: an entry on the mount is tried for every library the
#    launcher itself needs, before main (and named in a fix line).
AUDIT_SLOWFS=1
. "$(dirname "$0")/lib.sh"
command -v cc >/dev/null || skip "no C compiler"
mkdir -p "$SCRATCH/src/rlib" "$SCRATCH/src/empty" "$SCRATCH/src/ldlib" "$SCRATCH/local"
echo 'int inner(void) { return 7; }' >"$SCRATCH/inner.c"
echo 'int inner(void); int outer(void) { return inner() * 6; }' >"$SCRATCH/outer.c"
cc -shared -fPIC -o "$SCRATCH/src/rlib/libinner.so" "$SCRATCH/inner.c"
cc -shared -fPIC -o "$SCRATCH/local/libouter.so" "$SCRATCH/outer.c" -L"$SCRATCH/src/rlib" -linner \
  -Wl,--enable-new-dtags,-rpath,"$MNT/empty:$MNT/rlib"
readelf -d "$SCRATCH/local/libouter.so" | grep -q "RUNPATH.*$MNT/empty:$MNT/rlib" || fail "no RUNPATH in libouter.so"
slowfs_mount "$SCRATCH/src" "$MNT" --latency-ms=0
cat >"$SCRATCH/job.py" <<'PY'
import ctypes, sys
print(f"rank outer {ctypes.CDLL(sys.argv[1]).outer()}", flush=True)
PY
export PYBCAST_VIRTUAL_NODES=2
json=$SCRATCH/audit.json
run_mpi 4 "$PYTHON_MPI" --audit-json "$json" "$SCRATCH/job.py" "$SCRATCH/local/libouter.so"
[ "$STATUS" -eq 0 ] || fail "RUNPATH job failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(count_matches 'rank outer 42')" -eq 4 ] || fail "not every rank ran: $(cat "$SCRATCH/out")"
expect_audit "$json" 'entry("'"$MNT"'/empty/libinner.so")["by_op"], entry("'"$MNT"'/empty/libinner.so")["failed"]' \
  "({'search': 4}, 4)"
expect_audit "$json" 'entry("'"$MNT"'/rlib/libinner.so")["by_op"], entry("'"$MNT"'/rlib/libinner.so")["failed"]' \
  "({'search': 4}, 0)"
expect_audit "$json" '[f["what"] for f in d["fixes"] if f["path"] == "'"$MNT"'/empty"]' "['library search directory']"
grep -qE "^  fix: library search directory $MNT/empty on fuse \(fuse.slowfs\): 4 failed lookups, 4 operations over 4 ranks" \
  "$SCRATCH/out" || fail "screen lacks the RUNPATH fix: $(cat "$SCRATCH/out")"

# LD_LIBRARY_PATH on the mount: the launcher's own libraries are looked for there first.
needed=$(readelf -d "$PYTHON_MPI" | grep -c '(NEEDED)')
LD_LIBRARY_PATH=$MNT/ldlib run_mpi 4 "$PYTHON_MPI" --audit-json "$json" -c 'print("rank plain", flush=True)'
[ "$STATUS" -eq 0 ] || fail "LD_LIBRARY_PATH job failed ($STATUS): $(cat "$SCRATCH/out")"
expect_audit "$json" 'entry("'"$MNT"'/ldlib/libc.so.6")["by_op"], entry("'"$MNT"'/ldlib/libc.so.6")["failed"]' \
  "({'search': 4}, 4)"
expect_audit "$json" "sum(e['by_op'].get('search', 0) for e in d['entries'] if e['path'].startswith('$MNT/ldlib/')) >= 4 * $needed" True
expect_audit "$json" '[f["what"] for f in d["fixes"] if f["path"] == "'"$MNT"'/ldlib"]' "['LD_LIBRARY_PATH entry']"
echo "ok: loader searches under an absolute RUNPATH and an LD_LIBRARY_PATH entry on slowfs are counted"
