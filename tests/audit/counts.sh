#!/bin/bash
# 4 ranks on 2 virtual nodes; each rank opens a file on a slowfs (FUSE) mount 3 times
# and imports a module from a PYTHONPATH entry on it. --audit counts exactly 12 opens
# of the file and 4 of the module, both on fuse (fuse.slowfs), in rank 0's screen and
# in --audit-json; the fix line names the PYTHONPATH entry; nothing of the staged tree
# is listed. Each rank plants a symlink where older versions wrote the JSON first
# (<report>.tmp-<pid>, a name anyone could predict): the report is not written through it.
AUDIT_SLOWFS=1
. "$(dirname "$0")/lib.sh"
mkdir -p "$SCRATCH/src/lib"
echo 'VALUE = 42' >"$SCRATCH/src/lib/slowmod.py"
echo 'data' >"$SCRATCH/src/data.txt"
slowfs_mount "$SCRATCH/src" "$MNT" --latency-ms=0
cat >"$SCRATCH/job.py" <<'PY'
import os, sys
os.symlink(sys.argv[3], f"{sys.argv[2]}.tmp-{os.getpid()}")
for _ in range(3):
    with open(sys.argv[1]) as f:
        f.read()
import slowmod
print(f"rank job done {slowmod.VALUE}", flush=True)
PY
export PYBCAST_VIRTUAL_NODES=2 PYTHONPATH=$MNT/lib
run_mpi 4 "$PYTHON_MPI" --audit --audit-json "$SCRATCH/audit.json" "$SCRATCH/job.py" "$MNT/data.txt" \
  "$SCRATCH/audit.json" "$SCRATCH/victim"
[ "$STATUS" -eq 0 ] || fail "job failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(count_matches 'rank job done 42')" -eq 4 ] || fail "not every rank ran: $(cat "$SCRATCH/out")"
json=$SCRATCH/audit.json
[ ! -e "$SCRATCH/victim" ] || fail "the report was written through a planted symlink: $(head -c 200 "$SCRATCH/victim")"
[ -f "$json" ] && [ ! -L "$json" ] || fail "the report is not a regular file: $(ls -l "$json")"
[ -z "$(find "$SCRATCH" -maxdepth 1 -name '*audit.json?*' ! -type l)" ] || fail "a temporary file is left: $(ls -a "$SCRATCH")"
expect_audit "$json" 'd["ranks"], d["audited_ranks"]' "(4, 4)"
expect_audit "$json" 'entry("'"$MNT"'/data.txt")["by_op"], entry("'"$MNT"'/data.txt")["ops"], entry("'"$MNT"'/data.txt")["failed"]' \
  "({'open': 12}, 12, 0)"
expect_audit "$json" 'entry("'"$MNT"'/data.txt")["fs"], entry("'"$MNT"'/data.txt")["mount_type"]' "('fuse', 'fuse.slowfs')"
expect_audit "$json" 'entry("'"$MNT"'/lib/slowmod.py")["by_op"]["open"], entry("'"$MNT"'/lib/slowmod.py")["fs"]' "(4, 'fuse')"
expect_audit "$json" '[f["mount"] for f in d["filesystems"]]' "['$MNT']"
expect_audit "$json" 'd["total_off_node_ops"] == sum(e["ops"] for e in d["entries"]) >= 16' True
expect_audit "$json" '[e["path"] for e in d["entries"] if "/vnode-" in e["path"] or "/cache/" in e["path"]]' "[]"
expect_audit "$json" '[f["what"] for f in d["fixes"] if f["path"] == "'"$MNT"'/lib"]' "['PYTHONPATH entry']"
# The screen (rank 0, stderr) says the same.
grep -qE "^python-mpi: audit: 4 of 4 ranks audited: [0-9]+ file-system operations off the node" "$SCRATCH/out" ||
  fail "no audit screen: $(cat "$SCRATCH/out")"
grep -qE "^ +12  $MNT/data.txt  \[fuse\]$" "$SCRATCH/out" || fail "screen lacks 12 opens of data.txt: $(cat "$SCRATCH/out")"
grep -qE "^  fuse \(fuse.slowfs\) +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+  $MNT$" "$SCRATCH/out" ||
  fail "screen lacks the mount's row: $(cat "$SCRATCH/out")"
grep -qE "^  fix: PYTHONPATH entry $MNT/lib on fuse \(fuse.slowfs\): [0-9]+ failed lookups" "$SCRATCH/out" ||
  fail "screen lacks the PYTHONPATH fix: $(cat "$SCRATCH/out")"
[ "$(grep -c '^python-mpi: audit:' "$SCRATCH/out")" -eq 1 ] || fail "more than one rank printed the screen"
echo "ok: 12 opens of the file and 4 of the module on fuse (fuse.slowfs), screen and JSON"
