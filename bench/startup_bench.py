#!/usr/bin/python3
"""Start-up vs ranks: `import numpy, mpi4py.MPI` (and scipy when Debian's python3-scipy
is installed) under mpirun -n 1..32 (oversubscribed), four ways:

  (a) slowfs:  the interpreter and packages live on bench/slowfs, as users run today
               (a copy of /usr/bin/python3.X, lib/python3.X and the packages under one
               prefix, mounted through slowfs, PYTHONHOME there);
  (b) cold:    python-mpi, bundles on slowfs, empty node cache (every node stages);
  (c) warm:    the same again (every node finds its cache entry);
  (d) local:   /usr/bin/python3 from the local disk: the floor (MPI start-up + imports);
  (e) cold, PYTHONDONTWRITEBYTECODE=1 (target point only): python-mpi then leaves
      PYTHONPYCACHEPREFIX unset, so Python uses the .pyc files shipped in the bundles
      instead of compiling every module again into the node-local prefix.

(b) and (c) run on min(ranks, VNODES) virtual nodes, so staging has real work.
Sweep at --latency-ms (default 0.2 ms: an idle metadata server); then the target point
--target-ranks (16) at --target-latency-ms (1 ms: a busy one), where the issue expects
(b) >= 10x faster than (a). slowfs serialises its delayed requests (one metadata server).
Variants alternate within a repetition (a b c d a b c d ...); medians. A variant whose
first run takes longer than --slow-s runs once (the long (a) runs are dominated by the
serialised metadata server, which is deterministic), and so does the reference (d). Writes bench/results/startup.{md,json,png}."""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402

KEYS = ["metadata_ops", "lookup", "getattr", "open", "readdir"]


def plain_prefix():
    """A copy of the system python and the packages, laid out as a prefix (hard links)."""
    prefix = os.path.join(B.WORK, "plain")
    if os.path.exists(os.path.join(prefix, ".complete")):
        return prefix
    shutil.rmtree(prefix, ignore_errors=True)
    site = os.path.join(prefix, "lib", "python3", "dist-packages")
    os.makedirs(os.path.join(prefix, "bin"))
    os.makedirs(site)
    B.run(["cp", "-a", os.path.realpath(B.SYSTEM_PYTHON), os.path.join(prefix, "bin", B.PYVER)])
    B.run(["cp", "-al", f"/usr/lib/{B.PYVER}", os.path.join(prefix, "lib", B.PYVER)])
    for package in B.stack_packages():
        B.run(["cp", "-al", f"/usr/lib/python3/dist-packages/{package}", site])
    open(os.path.join(prefix, ".complete"), "w").close()
    return prefix


class Setup:
    """The two slowfs mounts at one latency and the commands of the four variants."""

    def __init__(self, latency_ms, vnodes, code):
        self.mounts = B.scratch("pybcast-bench-startup-")
        self.plain = B.SlowFS(plain_prefix(), os.path.join(self.mounts, "prefix"), latency_ms)
        stack, self.bundles = B.stack_bundles()
        self.stack = B.SlowFS(stack, os.path.join(self.mounts, "bundles"), latency_ms)
        self.vnodes, self.code, self.latency_ms = vnodes, code, latency_ms
        self.chroot = None

    def umount(self):
        self.plain.umount()
        self.stack.umount()

    def check(self):
        """Each variant imports from where it should."""
        probe = "import numpy; print(numpy.__file__)"
        where = self.run_plain(1, probe)[1]
        assert where.startswith(self.plain.mountpoint), f"(a) imported numpy from {where}"
        self.new_chroot()
        where = self.run_mpi(1, probe)[1]
        assert "/pybcast-" in where and "/cache/" in where, f"(b) imported numpy from {where}"

    def run_plain(self, ranks, code=None):
        env = dict(B.MPI_ENV, PYTHONHOME=self.plain.mountpoint)
        python = os.path.join(self.plain.mountpoint, "bin", B.PYVER)
        return B.timed(B.mpirun(ranks, python, "-c", code or self.code), env=env, cwd=self.mounts)

    def new_chroot(self):
        self.chroot = B.fresh_chroot(self.chroot)

    def run_mpi(self, ranks, code=None, trace=None, no_bytecode=False):
        env = dict(B.MPI_ENV, PYTHON_MPI_CHROOT=self.chroot, PYTHON_MPI_PKGROOT=self.stack.mountpoint,
                   PYTHON_MPI_PACKAGES=":".join(self.bundles), PYBCAST_VIRTUAL_NODES=str(min(ranks, self.vnodes)))
        if trace:
            env["PYBCAST_TRACE"] = trace
        if no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        return B.timed(B.mpirun(ranks, B.PYTHON_MPI, "-c", code or self.code), env=env, cwd=self.mounts)

    def measure(self, variant, ranks):
        """One run: {wall, ops..., stage_s}."""
        for fs in (self.plain, self.stack):
            fs.reset()
        out = {}
        if variant == "a":
            wall, _ = self.run_plain(ranks)
        elif variant == "d":
            wall, _ = B.timed(B.mpirun(ranks, B.SYSTEM_PYTHON, "-c", self.code), env=B.MPI_ENV, cwd=self.mounts)
        else:
            if variant in "be":
                self.new_chroot()
            trace = os.path.join(self.mounts, "trace.json")
            wall, _ = self.run_mpi(ranks, trace=trace, no_bytecode=variant == "e")
            out["stage_s"] = B.trace_total(trace)
        plain, stack = self.plain.stats(), self.stack.stats()
        out.update({k: plain[k] + stack[k] for k in KEYS})
        out["wall"] = wall
        return out


def sweep(setup, ranks_list, repeat, slow_s, variants="abcd"):
    """{ranks: {variant: [runs]}}, alternating the variants within each repetition."""
    results = {}
    for ranks in ranks_list:
        runs = {v: [] for v in variants}
        for rep in range(repeat):
            for v in variants:
                if rep > 0 and (runs[v][0]["wall"] > slow_s or v == "d"):
                    continue  # one run: dominated by the serialised server, or (d) the reference floor
                runs[v].append(setup.measure(v, ranks))
            B.log(f"  {ranks} ranks, {setup.latency_ms} ms, rep {rep + 1}: " +
                  " ".join(f"{v}={runs[v][-1]['wall']:.2f}s" for v in variants))
        results[ranks] = runs
    return results


NAMES = {"a": "(a) on slowfs", "b": "(b) python-mpi cold", "c": "(c) python-mpi warm", "d": "(d) local disk",
         "e": "(e) python-mpi cold, shipped .pyc"}


def summary(runs, key="wall"):
    return B.median([r[key] for r in runs])


def markdown(sweep_results, target, args, packages):
    code = f"`import {', '.join(packages)}`"
    lines = [f"### Start-up vs ranks: {code}, sweep at {args.latency_ms} ms per metadata op (serialised)\n",
             f"Wall time of mpirun (s, median) and slowfs metadata ops per run; (b)/(c) on min(ranks, "
             f"{args.vnodes}) virtual nodes; staging = pybcast's own staging time inside (b)/(c).\n"]
    header = ["ranks"] + [f"{NAMES[v]} s" for v in "abcd"] + ["(a) ops", "(b) ops", "(c) ops",
                                                               "(b) staging s", "(a)/(b)"]
    rows = []
    for ranks, runs in sweep_results.items():
        a, b = summary(runs["a"]), summary(runs["b"])
        rows.append([ranks] + [f"{summary(runs[v]):.2f}" for v in "abcd"] +
                    [f"{summary(runs[v], 'metadata_ops'):.0f}" for v in "abc"] +
                    [f"{summary(runs['b'], 'stage_s'):.2f}", f"{a / b:.1f}x"])
    lines.append(B.table(header, rows))
    if target:
        ranks, runs = target
        a, b, c = (summary(runs[v]) for v in "abc")
        met = "met" if a / b >= 10 else "NOT met"
        lines.append(f"\n### Target point: {ranks} ranks, {args.target_latency_ms} ms per metadata op\n")
        rows = [[NAMES[v], f"{summary(runs[v]):.2f}", len(runs[v]), f"{summary(runs[v], 'metadata_ops'):.0f}",
                 f"{summary(runs[v], 'lookup'):.0f}", f"{summary(runs[v], 'open'):.0f}",
                 f"{summary(runs[v], 'stage_s'):.2f}" if v != "a" else "-"] for v in runs]
        lines.append(B.table(["variant", "wall s", "runs", "metadata ops", "lookups", "opens", "staging s"], rows))
        lines.append(f"\n(a)/(b) = {a / b:.1f}x, (a)/(c) = {a / c:.1f}x: target (b) >= 10x faster than (a) "
                     f"at {ranks} ranks with {args.target_latency_ms} ms: **{met}**.\n")
        if "e" in runs:
            lines.append(f"With the bundles' own .pyc (e): (a)/(e) = {a / summary(runs['e']):.1f}x.\n")
    return "\n".join(lines)


def plot(sweep_results, target, args):
    plt = B.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    ranks = list(sweep_results)
    for v, style in zip("abcd", ["o-", "s-", "^-", "x--"]):
        left.plot(ranks, [summary(sweep_results[r][v]) for r in ranks], style, label=NAMES[v])
        if v != "d":
            right.plot(ranks, [max(1, summary(sweep_results[r][v], "metadata_ops")) for r in ranks], style,
                       label=NAMES[v])
    if target:
        r, runs = target
        for v, m in zip("abc", ["o", "s", "^"]):
            left.plot([r], [summary(runs[v])], m, markersize=11, markerfacecolor="none", color="k")
        left.annotate(f"{args.target_latency_ms} ms/op", (r, summary(runs["a"])), textcoords="offset points",
                      xytext=(-60, 0))
    left.set(xscale="log", yscale="log", xlabel="MPI ranks", ylabel="wall time (s)",
             title=f"import {', '.join(B.stack_packages())}; slowfs {args.latency_ms} ms/op")
    left.set_xticks(ranks, [str(r) for r in ranks])
    right.set(xscale="log", yscale="log", xlabel="MPI ranks", ylabel="shared-FS metadata ops per job",
              title="metadata operations reaching slowfs")
    right.set_xticks(ranks, [str(r) for r in ranks])
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(B.plot_path("startup"), dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", default="1,2,4,8,16,32")
    parser.add_argument("--latency-ms", type=float, default=0.2)
    parser.add_argument("--target-ranks", type=int, default=16, help="0 skips the target point")
    parser.add_argument("--target-latency-ms", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slow-s", type=float, default=8.0)
    parser.add_argument("--vnodes", type=int, default=4)
    args = parser.parse_args()
    packages = ["numpy", "mpi4py.MPI"] + (["scipy"] if "scipy" in B.stack_packages() else [])
    code = "import " + ", ".join(packages)
    ranks_list = [int(r) for r in args.ranks.split(",")]

    setup = Setup(args.latency_ms, args.vnodes, code)
    setup.check()
    B.log(f"start-up sweep at {args.latency_ms} ms: {code}")
    results = sweep(setup, ranks_list, args.repeat, args.slow_s)
    setup.umount()
    target = None
    if args.target_ranks:
        setup = Setup(args.target_latency_ms, args.vnodes, code)
        B.log(f"target point: {args.target_ranks} ranks at {args.target_latency_ms} ms")
        target = (args.target_ranks, sweep(setup, [args.target_ranks], args.repeat, args.slow_s, "abce")
                  [args.target_ranks])
        setup.umount()
    text = markdown(results, target, args, packages)
    data = {"code": code, "latency_ms": args.latency_ms, "vnodes": args.vnodes, "repeat": args.repeat,
            "sweep": {str(r): runs for r, runs in results.items()},
            "target": {"ranks": target[0], "latency_ms": args.target_latency_ms, "runs": target[1]} if target else None}
    B.write_results("startup", data, text)
    plot(results, target, args)


if __name__ == "__main__":
    sys.exit(main())
