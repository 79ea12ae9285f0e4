#!/usr/bin/python3
"""Staging throughput, side by side in one run (alternating, medians):
tar -xzf, tar --zstd -xf, and `pybcast stage` on 1 node and on 4 virtual nodes,
on one bundle of numpy + the python3.11 standard library (~100 MB unpacked),
extracted into /dev/shm. Prints a Markdown table; writes bench/results/stage.json.

pybcast's own time is the staging time it reports (--trace, rank 0 "total");
the mpirun wall time (which adds MPI start-up, ~0.35 s here) is shown too."""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYBCAST = os.path.join(ROOT, "build", "bin", "pybcast")
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl_tcp_if_include="lo", OMPI_MCA_oob_tcp_if_include="lo")


def make_bundles(work):
    tree = os.path.join(work, "tree")
    os.makedirs(os.path.join(tree, "lib", "python3", "dist-packages"))
    shutil.copytree("/usr/lib/python3.11", os.path.join(tree, "lib", "python3.11"), symlinks=True)
    shutil.copytree("/usr/lib/python3/dist-packages/numpy",
                    os.path.join(tree, "lib", "python3", "dist-packages", "numpy"), symlinks=True)
    tar = os.path.join(work, "bundle.tar")
    subprocess.run(["tar", "-C", tree, "-cf", tar, "."], check=True)
    subprocess.run(["gzip", "-k", "-6", tar], check=True)
    subprocess.run(["zstd", "-q", "-3", "-T0", tar, "-o", tar + ".zst"], check=True)
    unpacked = int(subprocess.run(["du", "-sb", tree], capture_output=True, text=True).stdout.split()[0])
    files = sum(len(f) for _, _, f in os.walk(tree))
    shutil.rmtree(tree)
    return tar + ".gz", tar + ".zst", unpacked, files


def timed(command, env=None):
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def tar_extract(bundle, flag):
    target = tempfile.mkdtemp(dir="/dev/shm", prefix="bench-tar-")
    try:
        return timed(["tar", "-C", target, flag, "-xf", bundle])
    finally:
        shutil.rmtree(target)


def pybcast_stage(bundle, ranks, vnodes):
    chroot = tempfile.mkdtemp(dir="/dev/shm", prefix="bench-pybcast-")
    trace = chroot + ".trace.json"
    try:
        command = ["mpirun", "--oversubscribe", "--bind-to", "none", "-n", str(ranks), PYBCAST, "stage",
                   "--chroot", chroot, "--pkgroot", os.path.dirname(bundle), "--trace", trace,
                   os.path.basename(bundle)]
        if vnodes:
            command[command.index("stage") + 1:command.index("stage") + 1] = ["--virtual-nodes", str(vnodes)]
        wall = timed(command, MPI_ENV)
        events = json.load(open(trace))["traceEvents"]
        staged = max(e["dur"] for e in events if e["name"] == "total") / 1e6
        return staged, wall
    finally:
        shutil.rmtree(chroot)
        if os.path.exists(trace):
            os.remove(trace)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="pybcast-bench-")
    try:
        gz, zst, unpacked, files = make_bundles(work)
        runs = {k: [] for k in ["tar -xzf", "tar --zstd -xf", "pybcast 1 node (zst)", "pybcast 1 node (gz)",
                                "pybcast 4 vnodes, 8 ranks (zst)"]}
        walls = {k: [] for k in runs}
        for _ in range(args.repeat):  # alternate A B A B so drift hits every variant alike
            runs["tar -xzf"].append(tar_extract(gz, "-z"))
            runs["tar --zstd -xf"].append(tar_extract(zst, "--zstd"))
            for name, bundle, ranks, vnodes in [("pybcast 1 node (zst)", zst, 1, 0),
                                                ("pybcast 1 node (gz)", gz, 1, 0),
                                                ("pybcast 4 vnodes, 8 ranks (zst)", zst, 8, 4)]:
                staged, wall = pybcast_stage(bundle, ranks, vnodes)
                runs[name].append(staged)
                walls[name].append(wall)
        base = statistics.median(runs["tar --zstd -xf"])
        print(f"\nBundle: python3.11 stdlib + numpy, {unpacked / 2**20:.0f} MiB unpacked, {files} files; "
              f"gz {os.path.getsize(gz) / 2**20:.1f} MiB, zst {os.path.getsize(zst) / 2**20:.1f} MiB; "
              f"median of {args.repeat}, into /dev/shm\n")
        print("| method | time (s) | MiB/s unpacked | files/s | vs tar --zstd | mpirun wall (s) |")
        print("|---|---|---|---|---|---|")
        result = {"unpacked_bytes": unpacked, "files": files, "repeat": args.repeat, "methods": {}}
        for name, values in runs.items():
            t = statistics.median(values)
            wall = f"{statistics.median(walls[name]):.3f}" if walls[name] else "-"
            print(f"| {name} | {t:.3f} | {unpacked / 2**20 / t:.0f} | {files / t:.0f} | {t / base:.2f}x | {wall} |")
            result["methods"][name] = {"seconds": values, "median": t, "wall": walls[name]}
        os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
        with open(os.path.join(ROOT, "bench", "results", "stage.json"), "w") as f:
            json.dump(result, f, indent=1)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
