"""Shared pieces of the pybcast benchmarks (bench/*.py): paths, MPI environment,
timing, the bundles every benchmark uses, slowfs mounts that are always unmounted,
and the result files (Markdown table, JSON, PNG) in bench/results/.

Run by /usr/bin/python3 (Debian's, with numpy and matplotlib), never in the test suite."""
import atexit
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("PYBCAST_BUILD", os.path.join(ROOT, "build")))
BIN = os.path.join(BUILD, "bin")
PYBCAST = os.path.join(BIN, "pybcast")
PYTHON_MPI = os.path.join(BIN, "python-mpi")
SLOWFS = os.path.join(BIN, "slowfs")
ORIGINAL = os.path.join(BIN, "original_bcast")
RESULTS = os.path.join(ROOT, "bench", "results")
# Bundles and trees shared by the benchmarks of one `make bench` (run-all.sh removes it).
WORK = os.environ.get("PYBCAST_BENCH_WORK") or os.path.join(tempfile.gettempdir(), "pybcast-bench-work")
SYSTEM_PYTHON = "/usr/bin/python3"
PYVER = "python%d.%d" % sys.version_info[:2]

# Python as users run it: byte-code caches written where it can (a session may export
# PYTHONDONTWRITEBYTECODE, which would make every rank compile every module every time).
_BASE_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
MPI_ENV = dict(_BASE_ENV, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl_tcp_if_include="lo", OMPI_MCA_oob_tcp_if_include="lo",
               OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_hwloc_base_binding_policy="none",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---- clean-up that also runs on SIGTERM/SIGINT --------------------------------------
_cleanups = []


def at_cleanup(function):
    """Runs FUNCTION at exit (normal, exception, SIGTERM, SIGINT), last registered first."""
    _cleanups.append(function)
    return function


def _run_cleanups():
    while _cleanups:
        try:
            _cleanups.pop()()
        except Exception as error:  # keep cleaning up
            log(f"clean-up: {error}")


def _on_signal(number, _frame):
    _run_cleanups()
    sys.exit(128 + number)


atexit.register(_run_cleanups)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def scratch(prefix, where=None):
    """A temporary directory removed at exit."""
    path = tempfile.mkdtemp(prefix=prefix, dir=where)
    at_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def fresh_chroot(old=None):
    """A new, empty node-local root in /dev/shm (removed at exit); `old` is removed now."""
    if old:
        shutil.rmtree(old, ignore_errors=True)
    chroot = tempfile.mkdtemp(dir="/dev/shm", prefix="pybcast-bench-chroot-")
    at_cleanup(lambda: shutil.rmtree(chroot, ignore_errors=True))
    return chroot


# ---- running and timing ---------------------------------------------------------------
def run(command, env=None, check=True, capture=False, timeout=900, cwd=None):
    result = subprocess.run(command, env=env, cwd=cwd, timeout=timeout, text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if check and result.returncode != 0:
        raise RuntimeError(f"failed ({result.returncode}): {' '.join(command)}\n{result.stderr[-3000:]}")
    return result


last_cpu = 0.0  # CPU seconds (user + system) of the last timed() command and its descendants


def timed(command, env=None, cwd=None):
    """Wall seconds of one run of COMMAND (which must succeed), and its stdout; its CPU
    seconds in last_cpu."""
    global last_cpu
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = run(command, env=env, capture=True, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    last_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, result.stdout


def mpirun(ranks, *command):
    return ["mpirun", "-n", str(ranks), *command]


def median(values):
    return statistics.median(values) if values else float("nan")


def load_average():
    return os.getloadavg()[0]


def machine():
    """What the numbers were taken on: load, cores, commit."""
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture=True, check=False).stdout.strip()
    return {"load_1min": round(load_average(), 2), "cores": os.cpu_count(), "commit": commit,
            "build": BUILD, "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def trace_total(trace_file):
    """pybcast's staging time from its Chrome trace: the longest "total" phase of any rank."""
    with open(trace_file) as f:
        events = json.load(f)["traceEvents"]
    return max(e["dur"] for e in events if e.get("name") == "total") / 1e6


def trace_phases(trace_file):
    """{phase name: longest duration over ranks, seconds}."""
    with open(trace_file) as f:
        events = json.load(f)["traceEvents"]
    phases = {}
    for e in events:
        if "dur" in e:
            phases[e["name"]] = max(phases.get(e["name"], 0), e["dur"] / 1e6)
    return phases


def original_times(stdout):
    """The machine-readable line of original_bcast: {bcast_s, tar_s, total_s, bytes}."""
    for line in stdout.splitlines():
        if line.startswith("original_bcast:"):
            return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    raise RuntimeError("original_bcast printed no times:\n" + stdout)


# ---- results --------------------------------------------------------------------------
def write_results(name, data, markdown):
    """bench/results/NAME.json and NAME.md; the table also goes to stdout."""
    os.makedirs(RESULTS, exist_ok=True)
    data = dict(data, machine=machine())
    with open(os.path.join(RESULTS, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
    with open(os.path.join(RESULTS, name + ".md"), "w") as f:
        f.write(markdown)
    print(markdown, flush=True)


def pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_path(name):
    os.makedirs(RESULTS, exist_ok=True)
    return os.path.join(RESULTS, name + ".png")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ---- bundles --------------------------------------------------------------------------
def have_module(name):
    return run([SYSTEM_PYTHON, "-c", f"import {name}"], check=False).returncode == 0


def stack_packages():
    """What the start-up benchmark imports: numpy and mpi4py, and scipy when installed."""
    return ["numpy", "mpi4py"] + (["scipy"] if have_module("scipy") else [])


def stack_bundles():
    """python + one bundle per package, made by `pybcast pack --compile` (zstd), in WORK/stack.
    Returns (directory, [bundle names in merge order])."""
    where = os.path.join(WORK, "stack")
    names = ["python.tar.zst"] + [p + ".tar.zst" for p in stack_packages()]
    if all(os.path.exists(os.path.join(where, n)) for n in names):
        return where, names
    os.makedirs(where, exist_ok=True)
    log("packing the python stack with pybcast pack ...")
    # --compile: with .pyc files, as Debian installs them (the slowfs runs read those too).
    run([PYBCAST, "pack", "python", "--compile", "--python", SYSTEM_PYTHON, "-o", os.path.join(where, "python.tar.zst")])
    for package in stack_packages():
        run([PYBCAST, "pack", "dist", package, "--compile", "--python", SYSTEM_PYTHON,
             "-o", os.path.join(where, package + ".tar.zst")])
    return where, names


def big_tree():
    """The biggest realistic set Debian gives here, laid out as an install prefix:
    the whole standard library (lib/python3.X) and numpy, scipy (if installed), mpi4py
    in lib/python3/dist-packages, byte-code caches included, as an installation has them.
    Hard links into /usr, so it costs no space. Returns (path, bytes, files)."""
    tree = os.path.join(WORK, "big", "tree")
    stamp = tree + ".json"
    if os.path.exists(stamp):
        with open(stamp) as f:
            info = json.load(f)
        return tree, info["bytes"], info["files"]
    shutil.rmtree(tree, ignore_errors=True)
    site = os.path.join(tree, "lib", "python3", "dist-packages")
    os.makedirs(site)
    os.makedirs(os.path.join(tree, "lib"), exist_ok=True)
    run(["cp", "-al", f"/usr/lib/{PYVER}", os.path.join(tree, "lib", PYVER)])
    for package in stack_packages():
        run(["cp", "-al", f"/usr/lib/python3/dist-packages/{package}", site])
    size, files = 0, 0
    for directory, _, names in os.walk(tree):
        for n in names:
            st = os.lstat(os.path.join(directory, n))
            size += st.st_size
            files += 1
    with open(stamp, "w") as f:
        json.dump({"bytes": size, "files": files}, f)
    return tree, size, files


def big_bundles():
    """The big tree as one bundle, .tar.zst and .tar.gz, made by `pybcast pack dir`
    (as users make bundles), in WORK/big. Returns {"zst": path, "gz": path}."""
    tree, _, _ = big_tree()
    out = {}
    for kind, suffix in [("zst", "tar.zst"), ("gz", "tar.gz")]:
        path = os.path.join(WORK, "big", "bundle." + suffix)
        if not os.path.exists(path):
            log(f"packing the big bundle ({suffix}) ...")
            run([PYBCAST, "pack", "dir", tree, "--no-default-excludes", "-o", path + ".tmp",
                 "--format", suffix])
            os.rename(path + ".tmp", path)
        out[kind] = path
    return out


# ---- slowfs ---------------------------------------------------------------------------
def _mounted(path):
    return subprocess.run(["findmnt", "-rn", "-M", path], stdout=subprocess.DEVNULL).returncode == 0


class SlowFS:
    """A bench/slowfs mount of SOURCE on MOUNTPOINT, unmounted by umount() or at exit."""

    def __init__(self, source, mountpoint, latency_ms=1.0, serialise=True):
        if not os.path.exists(SLOWFS):
            raise RuntimeError(f"no slowfs at {SLOWFS} (build target slowfs; Debian libfuse3-dev)")
        os.makedirs(mountpoint, exist_ok=True)
        self.mountpoint = os.path.realpath(mountpoint)
        if _mounted(self.mountpoint):
            raise RuntimeError(f"{self.mountpoint} is already a mount point")
        command = [SLOWFS, "-f", f"--latency-ms={latency_ms}", source, self.mountpoint]
        if not serialise:
            command.insert(2, "--no-serialise")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        at_cleanup(self.umount)
        for _ in range(200):
            if _mounted(self.mountpoint):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"slowfs failed: {self.process.stderr.read().decode()}")
            time.sleep(0.05)
        raise RuntimeError(f"slowfs did not mount {self.mountpoint}")

    def stats(self):
        with open(os.path.join(self.mountpoint, ".slowfs-stats")) as f:
            return json.load(f)

    def reset(self):
        with open(os.path.join(self.mountpoint, ".slowfs-stats"), "w") as f:
            f.write("reset\n")

    def umount(self):
        if self.process is None:
            return
        for _ in range(20):
            if not _mounted(self.mountpoint):
                break
            if subprocess.run(["fusermount3", "-u", self.mountpoint], stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.2)
        if _mounted(self.mountpoint):
            log(f"slowfs: {self.mountpoint} busy, detaching lazily")
            subprocess.run(["fusermount3", "-u", "-z", self.mountpoint])
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
