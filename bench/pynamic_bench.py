#!/usr/bin/python3
"""Pynamic-style workload vs ranks: N generated C extension modules and their utility
libraries (bench/pynamic/generate.py), imported and visited by bench/pynamic/driver.py
under mpi4py, three ways:

  slowfs:  the modules and libraries live on bench/slowfs (PYTHONPATH there; the
           interpreter and mpi4py are the system's, on the local disk, so only the
           workload's own files are on the slow file system);
  cold:    python-mpi with python, mpi4py and the workload packed as bundles on slowfs,
           empty node cache (min(ranks, VNODES) virtual nodes);
  warm:    the same again;
  dircold: python-mpi cold with the workload's prefix named as a directory (on slowfs),
           staged as it is: walked, RUNPATHs rewritten to $ORIGIN, streamed.

Reports the slowest rank's start-up (job launch to the driver's first line: includes
python-mpi's staging), import and visit times, the mpirun wall time and the slowfs
metadata ops. Variants alternate; medians; a variant whose first run is longer than
--slow-s runs once. Writes bench/results/pynamic.{md,json,png}."""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "pynamic", "driver.py")
NAMES = {"slowfs": "modules on slowfs", "cold": "python-mpi cold", "warm": "python-mpi warm",
         "dircold": "python-mpi cold, directory"}


def workload(modules):
    """The generated prefix and a bundle directory (python, mpi4py, pynamic)."""
    prefix = os.path.join(B.WORK, f"pynamic-{modules}")
    if not os.path.exists(os.path.join(prefix, ".complete")):
        shutil.rmtree(prefix, ignore_errors=True)
        B.log(f"generating and compiling {modules} pynamic modules ...")
        B.run([B.SYSTEM_PYTHON, os.path.join(HERE, "pynamic", "generate.py"), prefix, "--modules", str(modules)])
        open(os.path.join(prefix, ".complete"), "w").close()
    bundles = os.path.join(B.WORK, f"pynamic-{modules}-bundles")
    names = ["python.tar.zst", "mpi4py.tar.zst", "pynamic.tar.zst"]
    if not os.path.exists(os.path.join(bundles, names[-1])):
        stack, _ = B.stack_bundles()
        os.makedirs(bundles, exist_ok=True)
        for n in names[:2]:
            shutil.copy(os.path.join(stack, n), bundles)
        B.run([B.PYBCAST, "pack", "dir", prefix, "--exclude", ".complete", "-o", os.path.join(bundles, names[-1])])
    return prefix, bundles, names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", default="1,2,4,8,16")
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--slow-s", type=float, default=8.0)
    parser.add_argument("--vnodes", type=int, default=4)
    args = parser.parse_args()
    prefix, bundles, names = workload(args.modules)
    mounts = B.scratch("pybcast-bench-pynamic-")
    fs_prefix = B.SlowFS(prefix, os.path.join(mounts, "prefix"), args.latency_ms)
    fs_bundles = B.SlowFS(bundles, os.path.join(mounts, "bundles"), args.latency_ms)
    chroot = [None]

    def measure(variant, ranks):
        for fs in (fs_prefix, fs_bundles):
            fs.reset()
        env = dict(B.MPI_ENV)
        if variant == "slowfs":
            env["PYTHONPATH"] = os.path.join(fs_prefix.mountpoint, "lib", "python3", "dist-packages")
            command = [B.SYSTEM_PYTHON, DRIVER]
        else:
            if variant in ("cold", "dircold"):
                if chroot[0]:
                    shutil.rmtree(chroot[0], ignore_errors=True)
                chroot[0] = tempfile.mkdtemp(dir="/dev/shm", prefix="pybcast-bench-pynamic-")
                path = chroot[0]
                B.at_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))
            packages = names if variant != "dircold" else names[:-1] + [fs_prefix.mountpoint]
            env.update(PYTHON_MPI_CHROOT=chroot[0], PYTHON_MPI_PKGROOT=fs_bundles.mountpoint,
                       PYTHON_MPI_PACKAGES=":".join(packages), PYBCAST_VIRTUAL_NODES=str(min(ranks, args.vnodes)))
            command = [B.PYTHON_MPI, DRIVER]
        env["PYNAMIC_T0"] = repr(time.time())
        wall, out = B.timed(B.mpirun(ranks, *command), env=env, cwd=mounts)
        result = json.loads(out.strip().splitlines()[-1])
        expect = fs_prefix.mountpoint if variant == "slowfs" else "/pybcast-"
        assert expect in result["modules_from"], f"{variant}: modules from {result['modules_from']}"
        result["wall"] = wall
        result["metadata_ops"] = fs_prefix.stats()["metadata_ops"] + fs_bundles.stats()["metadata_ops"]
        return result

    ranks_list = [int(r) for r in args.ranks.split(",")]
    results = {}
    for ranks in ranks_list:
        runs = {v: [] for v in NAMES}
        for rep in range(args.repeat):
            for v in NAMES:
                if rep > 0 and runs[v][0]["wall"] > args.slow_s:
                    continue
                runs[v].append(measure(v, ranks))
            B.log(f"  pynamic {ranks} ranks rep {rep + 1}: " + " ".join(f"{v}={runs[v][-1]['wall']:.2f}s" for v in NAMES))
        results[ranks] = runs
    fs_prefix.umount()
    fs_bundles.umount()

    def med(runs, key):
        return B.median([r[key] for r in runs])

    rows = []
    for ranks, runs in results.items():
        for v in NAMES:
            rows.append([ranks, NAMES[v], f"{med(runs[v], 'startup_s'):.2f}", f"{med(runs[v], 'import_s'):.3f}",
                         f"{med(runs[v], 'visit_s'):.4f}", f"{med(runs[v], 'wall'):.2f}",
                         f"{med(runs[v], 'metadata_ops'):.0f}"])
    text = (f"### Pynamic-style workload: {args.modules} generated extension modules x 20 functions, 10 utility "
            f"libraries; slowfs {args.latency_ms} ms per metadata op (serialised)\n\n"
            f"start-up = job launch to the driver's first line (python-mpi: includes staging); import = importing "
            f"all modules; visit = calling every function; slowest rank, median of runs.\n\n")
    text += B.table(["ranks", "variant", "start-up s", "import s", "visit s", "mpirun wall s", "slowfs metadata ops"],
                    rows)
    B.write_results("pynamic", {"modules": args.modules, "latency_ms": args.latency_ms, "repeat": args.repeat,
                                "results": {str(r): v for r, v in results.items()}}, text)

    plt = B.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for v, style in zip(NAMES, ["o-", "s-", "^-", "d-"]):
        left.plot(ranks_list, [med(results[r][v], "import_s") for r in ranks_list], style, label=f"{NAMES[v]}: import")
        right.plot(ranks_list, [med(results[r][v], "wall") for r in ranks_list], style, label=NAMES[v])
    left.set(xscale="log", yscale="log", xlabel="MPI ranks", ylabel="seconds (slowest rank)",
             title=f"import of {args.modules} extension modules")
    right.set(xscale="log", xlabel="MPI ranks", ylabel="mpirun wall time (s)", title="whole job")
    for ax in (left, right):
        ax.set_xticks(ranks_list, [str(r) for r in ranks_list])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(B.plot_path("pynamic"), dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
