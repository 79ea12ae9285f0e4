#!/bin/bash
# Bundles made by `pybcast pack` with its defaults, 4 ranks on 2 virtual nodes, a
# script that reads a file and imports a module (both on the local disk) and
# json/decimal from the stage: nothing is off the node, so total_off_node_ops is 0
# and the screen says so, with every rank audited.
. "$(dirname "$0")/lib.sh"
"$PYBCAST" pack python --python /usr/bin/python3 -o "$PKGROOT/python.tar.zst" 2>/dev/null
export PYTHON_MPI_PACKAGES=python.tar.zst PYBCAST_VIRTUAL_NODES=2
mkdir -p "$SCRATCH/lib"
echo 'VALUE = 1' >"$SCRATCH/lib/localmod.py"
echo data >"$SCRATCH/data.txt"
cat >"$SCRATCH/job.py" <<'PY'
import json, decimal, sys
sys.path.insert(0, sys.argv[2])
import localmod
for _ in range(3):
    open(sys.argv[1]).read()
print("rank done", flush=True)
PY
json=$SCRATCH/audit.json
run_mpi 4 "$PYTHON_MPI" --audit --audit-json "$json" "$SCRATCH/job.py" "$SCRATCH/data.txt" "$SCRATCH/lib"
[ "$STATUS" -eq 0 ] || fail "job failed ($STATUS): $(cat "$SCRATCH/out")"
[ "$(count_matches 'rank done')" -eq 4 ] || fail "not every rank ran: $(cat "$SCRATCH/out")"
expect_audit "$json" 'd["ranks"], d["audited_ranks"], d["total_off_node_ops"], d["entries"], d["dropped_ops"]' \
  "(4, 4, 0, [], 0)"
grep -qx "python-mpi: audit: 4 of 4 ranks audited: 0 file-system operations off the node" "$SCRATCH/out" ||
  fail "screen: $(cat "$SCRATCH/out")"
# The same through `pybcast run --audit` and PYBCAST_AUDIT=1.
run_mpi 4 "$PYBCAST" run --audit -- "$SCRATCH/job.py" "$SCRATCH/data.txt" "$SCRATCH/lib"
[ "$STATUS" -eq 0 ] || fail "pybcast run --audit failed ($STATUS): $(cat "$SCRATCH/out")"
grep -qx "pybcast: audit: 4 of 4 ranks audited: 0 file-system operations off the node" "$SCRATCH/out" ||
  fail "pybcast run --audit screen: $(cat "$SCRATCH/out")"
PYBCAST_AUDIT=1 run_mpi 4 "$PYTHON_MPI" "$SCRATCH/job.py" "$SCRATCH/data.txt" "$SCRATCH/lib"
[ "$STATUS" -eq 0 ] || fail "PYBCAST_AUDIT=1 failed ($STATUS): $(cat "$SCRATCH/out")"
grep -qx "python-mpi: audit: 4 of 4 ranks audited: 0 file-system operations off the node" "$SCRATCH/out" ||
  fail "PYBCAST_AUDIT=1 screen: $(cat "$SCRATCH/out")"
echo "ok: pack-made bundles, nothing off the node: total_off_node_ops 0 (python-mpi, pybcast run, PYBCAST_AUDIT=1)"
