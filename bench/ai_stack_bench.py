#!/usr/bin/python3
"""Start-up of Debian's AI stack: `import torch, pandas, sklearn` under mpirun -n 1, 8, 16
(oversubscribed on this 2-core machine), four ways, each with PYTHONDONTWRITEBYTECODE
set and unset:

  (a) slowfs: /usr/bin/python3.X, its standard library and all of Debian's dist-packages
              (torch, pandas, scikit-learn, scipy, matplotlib, astropy, dask, ...) copied
              under one prefix on bench/slowfs, PYTHONHOME there, as users run today;
              the libraries torch/lib's symlinks point to come along, as a site install's would;
  (b) cold:   python-mpi, one bundle made by `pybcast pack --from-run --with-python` of a
              run of the imports (Debian's metadata drops many requirements, so --deps
              cannot find them), default pack options, on slowfs; empty node cache;
  (c) warm:   the same again;
  (d) local:  /usr/bin/python3 from the local disk: the floor.

(b) and (c) run on min(ranks, --vnodes) virtual nodes. slowfs serialises its delayed
requests (one busy metadata server) at --latency-ms. Variants alternate within a
repetition; medians; a variant whose first run takes longer than --slow-s runs once, and
so does (d). Goals (the "Real environments" issue): (b) within 1.3x of (d), and (b) at
least 20x faster than (a), at 16 ranks. Writes bench/results/ai_stack.{md,json}."""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402

CODE = "import torch, pandas, sklearn"
PACKED = "import torch, pandas, sklearn, scipy, matplotlib, astropy, dask"
SITE = "/usr/lib/python3/dist-packages"


def plain_prefix():
    """python + stdlib + all of dist-packages as one prefix (hard links), with the targets of
    symlinks that leave it (torch/lib/*.so -> ../../../../x86_64-linux-gnu/...) linked in."""
    prefix = os.path.join(B.WORK, "ai-plain")
    if os.path.exists(os.path.join(prefix, ".complete")):
        return prefix
    shutil.rmtree(prefix, ignore_errors=True)
    os.makedirs(os.path.join(prefix, "bin"))
    os.makedirs(os.path.join(prefix, "lib", "python3"))
    B.run(["cp", "-a", os.path.realpath(B.SYSTEM_PYTHON), os.path.join(prefix, "bin", B.PYVER)])
    B.run(["cp", "-al", f"/usr/lib/{B.PYVER}", os.path.join(prefix, "lib", B.PYVER)])
    B.run(["cp", "-al", SITE, os.path.join(prefix, "lib", "python3", "dist-packages")])
    for directory, dirs, names in os.walk(os.path.join(prefix, "lib", "python3", "dist-packages")):
        for name in names + dirs:
            path = os.path.join(directory, name)
            if os.path.islink(path) and not os.path.exists(path):
                original = os.path.join(SITE, os.path.relpath(path, os.path.join(prefix, "lib/python3/dist-packages")))
                target = os.path.realpath(original)
                where = os.path.normpath(os.path.join(directory, os.readlink(path)))
                if os.path.isfile(target) and where.startswith(prefix):
                    os.makedirs(os.path.dirname(where), exist_ok=True)
                    if not os.path.exists(where):
                        os.link(target, where)
    open(os.path.join(prefix, ".complete"), "w").close()
    return prefix


def bundle():
    """The stack as pack --from-run makes it, default options. Returns (dir, name)."""
    where = os.path.join(B.WORK, "ai-bundles")
    name = "ai.tar.zst"
    if not os.path.exists(os.path.join(where, name)):
        os.makedirs(where, exist_ok=True)
        B.log("packing the AI stack with pybcast pack --from-run --with-python ...")
        B.run([B.PYBCAST, "pack", "--from-run", "--with-python", "-o", os.path.join(where, name), "--",
               B.SYSTEM_PYTHON, "-c", PACKED], env=B.MPI_ENV)
    return where, name


class Setup:
    def __init__(self, latency_ms, vnodes):
        self.mounts = B.scratch("pybcast-bench-ai-")
        self.plain = B.SlowFS(plain_prefix(), os.path.join(self.mounts, "prefix"), latency_ms)
        where, self.bundle = bundle()
        self.stack = B.SlowFS(where, os.path.join(self.mounts, "bundles"), latency_ms)
        self.vnodes = vnodes
        self.chroot = None

    def umount(self):
        self.plain.umount()
        self.stack.umount()

    def new_chroot(self):
        self.chroot = B.fresh_chroot(self.chroot)

    def env(self, no_bytecode):
        env = dict(B.MPI_ENV)
        if no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def check(self):
        probe = "import torch; print(torch.__file__)"
        env = dict(self.env(False), PYTHONHOME=self.plain.mountpoint)
        where = B.timed(B.mpirun(1, os.path.join(self.plain.mountpoint, "bin", B.PYVER), "-c", probe), env=env)[1]
        assert where.startswith(self.plain.mountpoint), f"(a) imported torch from {where}"
        self.new_chroot()
        where = self.run_mpi(1, False, probe)[1]
        assert "/pybcast-" in where and "/cache/" in where, f"(b) imported torch from {where}"

    def run_mpi(self, ranks, no_bytecode, code=CODE):
        env = dict(self.env(no_bytecode), PYTHON_MPI_CHROOT=self.chroot, PYTHON_MPI_PKGROOT=self.stack.mountpoint,
                   PYTHON_MPI_PACKAGES=self.bundle, PYBCAST_VIRTUAL_NODES=str(min(ranks, self.vnodes)))
        return B.timed(B.mpirun(ranks, B.PYTHON_MPI, "-c", code), env=env, cwd=self.mounts)

    def measure(self, variant, ranks, no_bytecode):
        for fs in (self.plain, self.stack):
            fs.reset()
        if variant == "a":
            env = dict(self.env(no_bytecode), PYTHONHOME=self.plain.mountpoint)
            python = os.path.join(self.plain.mountpoint, "bin", B.PYVER)
            wall, _ = B.timed(B.mpirun(ranks, python, "-c", CODE), env=env, cwd=self.mounts)
        elif variant == "d":
            wall, _ = B.timed(B.mpirun(ranks, B.SYSTEM_PYTHON, "-c", CODE), env=self.env(no_bytecode), cwd=self.mounts)
        else:
            if variant == "b":
                self.new_chroot()
            wall, _ = self.run_mpi(ranks, no_bytecode)
        ops = self.plain.stats()["metadata_ops"] + self.stack.stats()["metadata_ops"]
        return {"wall": wall, "metadata_ops": ops}


NAMES = {"a": "(a) slowfs", "b": "(b) python-mpi cold", "c": "(c) python-mpi warm", "d": "(d) local disk"}
MODES = {False: "PYTHONDONTWRITEBYTECODE unset", True: "PYTHONDONTWRITEBYTECODE=1"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", default="1,8,16")
    parser.add_argument("--latency-ms", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--slow-s", type=float, default=20.0)
    parser.add_argument("--vnodes", type=int, default=4)
    args = parser.parse_args()
    if not B.have_module("torch"):
        print("ai_stack_bench: Debian's python3-torch is not installed; nothing to measure")
        return 0
    ranks_list = [int(r) for r in args.ranks.split(",")]
    setup = Setup(args.latency_ms, args.vnodes)
    setup.check()
    results = {}
    for ranks in ranks_list:
        for no_bytecode in (False, True):
            runs = {v: [] for v in "abcd"}
            for rep in range(args.repeat):
                for v in "abcd":
                    if rep > 0 and (runs[v][0]["wall"] > args.slow_s or v == "d"):
                        continue
                    runs[v].append(setup.measure(v, ranks, no_bytecode))
                B.log(f"  {ranks} ranks, {MODES[no_bytecode]}, rep {rep + 1}: " +
                      " ".join(f"{v}={runs[v][-1]['wall']:.2f}s" for v in "abcd"))
            results[(ranks, no_bytecode)] = runs
    setup.umount()

    def med(runs, key="wall"):
        return B.median([r[key] for r in runs])

    lines = [f"### Debian's AI stack: `{CODE}`, slowfs at {args.latency_ms} ms per metadata op (serialised)\n",
             f"Wall time of mpirun (s, median); bundle: `pack --from-run --with-python` of `{PACKED}`, "
             f"default options; (b)/(c) on min(ranks, {args.vnodes}) virtual nodes.\n"]
    header = ["ranks", "bytecode env"] + [f"{NAMES[v]} s" for v in "abcd"] + ["(a) ops", "(b) ops", "(b)/(d)",
                                                                              "(a)/(b)"]
    rows = []
    for (ranks, no_bytecode), runs in results.items():
        a, b, d = med(runs["a"]), med(runs["b"]), med(runs["d"])
        rows.append([ranks, MODES[no_bytecode]] + [f"{med(runs[v]):.2f}" for v in "abcd"] +
                    [f"{med(runs['a'], 'metadata_ops'):.0f}", f"{med(runs['b'], 'metadata_ops'):.0f}",
                     f"{b / d:.2f}x", f"{a / b:.1f}x"])
    lines.append(B.table(header, rows))
    top = max(ranks_list)
    for no_bytecode in (False, True):
        runs = results[(top, no_bytecode)]
        a, b, d = med(runs["a"]), med(runs["b"]), med(runs["d"])
        lines.append(f"\nAt {top} ranks, {MODES[no_bytecode]}: (b)/(d) = {b / d:.2f}x (goal <= 1.3x: "
                     f"{'met' if b / d <= 1.3 else 'NOT met'}), (a)/(b) = {a / b:.1f}x (goal >= 20x: "
                     f"{'met' if a / b >= 20 else 'NOT met'}).")
    text = "\n".join(lines) + "\n"
    data = {"code": CODE, "packed": PACKED, "latency_ms": args.latency_ms, "vnodes": args.vnodes,
            "runs": {f"{r}/{'dontwrite' if nb else 'write'}": runs for (r, nb), runs in results.items()}}
    B.write_results("ai_stack", data, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
