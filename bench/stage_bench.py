#!/usr/bin/python3
"""Staging throughput: one big bundle (the whole python3.X standard library + numpy +
scipy + mpi4py, byte-code caches included, made by `pybcast pack dir`) as .tar.gz and
.tar.zst, extracted into /dev/shm by

  tar -xzf, pigz -dc | tar -x, tar --zstd -xf          (one process, the floor)
  original (gz/zst), 1 node and 4 virtual nodes        (bench/original_bcast.c: OUR
                                                        reimplementation of the original
                                                        tool: whole-file MPI_Bcast, then
                                                        single-threaded libarchive)
  pybcast stage (gz/zst), 1 node and 4 virtual nodes

side by side: every method once per repetition, in turn; medians. For the MPI methods the
time is the staging time they measure themselves (pybcast: its trace's "total";
original: MPI_Wtime from after MPI_Init to the last barrier), so MPI start-up is left
out as it is for tar; the mpirun wall time is shown too. Targets (issue 7, section 3):
single-node zstd staging <= 0.8x `tar --zstd -xf`; gz staging <= 0.5x the original
algorithm. Writes bench/results/stage.{md,json,png}."""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402


def fresh_dir(prefix):
    path = tempfile.mkdtemp(dir="/dev/shm", prefix=prefix)
    B.at_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def tar_method(shell_command):
    def method(bundle, _nodes):
        target = fresh_dir("pybcast-bench-tar-")
        try:
            wall, _ = B.timed(["bash", "-o", "pipefail", "-c", shell_command.format(bundle=bundle, target=target)])
            return wall, wall, B.last_cpu
        finally:
            shutil.rmtree(target, ignore_errors=True)
    return method


def ranks_for(nodes):
    return 1 if nodes == 1 else 2 * nodes


def pybcast_method(bundle, nodes, env=None):
    chroot = fresh_dir("pybcast-bench-stage-")
    trace = chroot + ".trace.json"
    try:
        command = B.mpirun(ranks_for(nodes), B.PYBCAST, "stage", "--chroot", chroot, "--pkgroot",
                           os.path.dirname(bundle), "--trace", trace, os.path.basename(bundle))
        if nodes > 1:
            command += ["--virtual-nodes", str(nodes)]
        wall, _ = B.timed(command, env={**B.MPI_ENV, **(env or {})})
        return B.trace_total(trace), wall, B.last_cpu
    finally:
        shutil.rmtree(chroot, ignore_errors=True)
        if os.path.exists(trace):
            os.remove(trace)


def original_method(bundle, nodes):
    prefix = fresh_dir("pybcast-bench-original-")
    try:
        command = B.mpirun(ranks_for(nodes), B.ORIGINAL, "-p", prefix)
        if nodes > 1:
            command += ["-K", str(nodes)]
        wall, out = B.timed(command + [bundle], env=B.MPI_ENV)
        return B.original_times(out)["total_s"], wall, B.last_cpu
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def zlib_method(bundle, nodes):
    """pybcast with zlib instead of ISA-L for gzip (issue 14: the inflater, side by side)."""
    return pybcast_method(bundle, nodes, {"PYBCAST_GZIP_INFLATER": "zlib"})


def methods(have_pigz, have_igzip):
    """(name, format, nodes, function)."""
    out = [("tar -xzf", "gz", 1, tar_method("tar -C {target} -xzf {bundle}"))]
    if have_pigz:
        out.append(("pigz -dc | tar -x", "gz", 1, tar_method("pigz -dc {bundle} | tar -C {target} -x")))
    if have_igzip:
        out.append(("igzip -dc | tar -x", "gz", 1, tar_method("igzip -dc {bundle} | tar -C {target} -x")))
    out += [("tar --zstd -xf", "zst", 1, tar_method("tar -C {target} --zstd -xf {bundle}")),
            ("original, 1 node (gz)", "gz", 1, original_method),
            ("original, 1 node (zst)", "zst", 1, original_method),
            ("pybcast stage, 1 node (gz)", "gz", 1, pybcast_method),
            ("pybcast stage, 1 node (gz, zlib)", "gz", 1, zlib_method),
            ("pybcast stage, 1 node (zst)", "zst", 1, pybcast_method),
            ("original, 4 vnodes, 8 ranks (gz)", "gz", 4, original_method),
            ("pybcast stage, 4 vnodes, 8 ranks (gz)", "gz", 4, pybcast_method),
            ("pybcast stage, 4 vnodes, 8 ranks (zst)", "zst", 4, pybcast_method)]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _, unpacked, files = B.big_tree()
    bundles = B.big_bundles()
    entries = int(B.run(["bash", "-c", f"zstd -dc {bundles['zst']} | tar -t | wc -l"], capture=True).stdout)
    todo = methods(shutil.which("pigz") is not None, shutil.which("igzip") is not None)
    runs = {name: [] for name, *_ in todo}
    walls = {name: [] for name, *_ in todo}
    cpus = {name: [] for name, *_ in todo}
    for rep in range(args.repeat):  # every method once per repetition: drift hits all alike
        for name, kind, nodes, function in todo:
            t, wall, cpu = function(bundles[kind], nodes)
            runs[name].append(t)
            walls[name].append(wall)
            cpus[name].append(cpu)
        B.log(f"  staging rep {rep + 1}/{args.repeat}: " + ", ".join(f"{n}={runs[n][-1]:.2f}" for n in runs))

    med = {name: B.median(v) for name, v in runs.items()}
    mib = unpacked / 2**20
    rows = []
    for name, kind, nodes, _ in todo:
        t = med[name]
        rows.append([name, f"{t:.3f}", f"{mib / t:.0f}", f"{files / t:.0f}",
                     f"{t / med['tar --zstd -xf']:.2f}x", f"{t / med['original, 1 node (gz)']:.2f}x",
                     f"{B.median(walls[name]):.2f}", f"{B.median(cpus[name]):.2f}"])
    # Paired: the ratio within each repetition (its runs are seconds apart), then the
    # median; steadier than a ratio of medians when the machine's load drifts.
    def paired(a, b):
        return B.median([x / y for x, y in zip(runs[a], runs[b])])

    zst_ratio = paired("pybcast stage, 1 node (zst)", "tar --zstd -xf")
    gz_ratio = paired("pybcast stage, 1 node (gz)", "original, 1 node (gz)")
    isal_ratio = paired("pybcast stage, 1 node (gz)", "pybcast stage, 1 node (gz, zlib)")
    pigz_ratio = paired("pybcast stage, 1 node (gz)", "pigz -dc | tar -x") if "pigz -dc | tar -x" in runs else None
    text = (f"### Staging throughput into /dev/shm\n\nBundle: python3.X standard library + "
            f"{' + '.join(B.stack_packages())}, {mib:.0f} MiB unpacked, {files} files ({entries} entries); "
            f"gz {os.path.getsize(bundles['gz']) / 2**20:.1f} MiB, zst {os.path.getsize(bundles['zst']) / 2**20:.1f} "
            f"MiB (pybcast pack dir). Median of {args.repeat}; MiB/s and files/s per node. Virtual nodes share the "
            f"machine's {os.cpu_count()} cores.\n\n")
    text += B.table(["method", "time s", "MiB/s unpacked", "files/s", "vs tar --zstd", "vs original gz",
                     "mpirun wall s", "CPU s (all processes)"], rows)
    text += (f"\nTargets (median of the per-repetition ratios): pybcast 1 node zst / tar --zstd -xf = **{zst_ratio:.2f}x** (target <= 0.8x: "
             f"**{'met' if zst_ratio <= 0.8 else 'NOT met'}**); pybcast 1 node gz / original gz = "
             f"**{gz_ratio:.2f}x** (target <= 0.5x: **{'met' if gz_ratio <= 0.5 else 'NOT met'}**).\n"
             f"\ngzip inflater (issue 14): pybcast 1 node gz with ISA-L / with zlib = **{isal_ratio:.2f}x**"
             + (f"; ISA-L gz / `pigz -dc | tar -x` = **{pigz_ratio:.2f}x**" if pigz_ratio else "") + ".\n")
    data = {"unpacked_bytes": unpacked, "files": files, "entries": entries, "repeat": args.repeat,
            "bundle_bytes": {k: os.path.getsize(v) for k, v in bundles.items()},
            "methods": {n: {"seconds": runs[n], "median": med[n], "wall": walls[n], "cpu": cpus[n]} for n in runs},
            "targets": {"zst_vs_tar_zstd": zst_ratio, "gz_vs_original": gz_ratio, "isal_vs_zlib": isal_ratio,
                        "gz_vs_pigz_tar": pigz_ratio}}
    B.write_results("stage", data, text)

    plt = B.pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    names = [n for n, *_ in todo]
    colors = ["#888" if n.startswith(("tar", "pigz")) else "#d62728" if n.startswith("original") else "#1f77b4"
              for n in names]
    ax.barh(names, [mib / med[n] for n in names], color=colors)
    ax.invert_yaxis()
    ax.set_xlabel("MiB/s unpacked per node (higher is better)")
    ax.set_title(f"Staging {mib:.0f} MiB / {files} files into /dev/shm ({os.cpu_count()} cores)")
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(B.plot_path("stage"), dpi=110)


if __name__ == "__main__":
    sys.exit(main())
