"""Pynamic-style driver: under mpi4py, import every generated module (pyn_mod_*), then
call every function of every module (the visit), check the checksum, and print on rank 0
one JSON line: the slowest rank's start-up (from PYNAMIC_T0, the epoch second the job was
launched, to this script's first line), import and visit seconds."""
import time

t_script = time.time()
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from mpi4py import MPI  # noqa: E402

t_mpi = time.time()
comm = MPI.COMM_WORLD
spec = None
for entry in sys.path:
    if os.path.exists(os.path.join(entry, "pynamic.json")):
        with open(os.path.join(entry, "pynamic.json")) as f:
            spec = json.load(f)
        where = entry
        break
if spec is None:
    sys.exit("driver: no pynamic.json on sys.path")
t0 = time.time()
modules = [importlib.import_module(f"pyn_mod_{i}") for i in range(spec["modules"])]
t1 = time.time()
total = 0
for m in modules:
    for k in range(spec["functions"]):
        total += getattr(m, f"f{k}")(3)
t2 = time.time()
if total != spec["checksum"]:
    sys.exit(f"driver: checksum {total} != {spec['checksum']}")
start = t_script - float(os.environ.get("PYNAMIC_T0", t_script))
mine = [start, t_mpi - t_script, t1 - t0, t2 - t1]
worst = comm.reduce(mine, op=lambda a, b, _=None: [max(x, y) for x, y in zip(a, b)], root=0)
if comm.rank == 0:
    print(json.dumps({"startup_s": worst[0], "mpi4py_s": worst[1], "import_s": worst[2], "visit_s": worst[3],
                      "ranks": comm.size, "modules_from": where}))
