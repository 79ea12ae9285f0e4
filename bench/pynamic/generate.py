#!/usr/bin/python3
"""A small Pynamic-style workload (in the spirit of LLNL's Pynamic benchmark): N generated
Python C extension modules, each with F functions, and L utility shared libraries the
modules link against (two each, found through RUNPATH $ORIGIN/../.., so the dynamic
loader looks them up where the modules live, as on a shared file system). Built with the
system compiler against this python's headers.

Layout of OUT (an install prefix, packable with `pybcast pack dir`):
  lib/libpynutil_<u>.so                          utility libraries, G functions each
  lib/python3/dist-packages/pyn_mod_<i><EXT_SUFFIX>   the modules
  lib/python3/dist-packages/pynamic.json         N, F and the expected checksum of a visit
usage: generate.py OUT [--modules N] [--functions F] [--utils L] [--util-functions G]"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import sysconfig


def util_source(u, g):
    lines = [f"long pyn_util_{u}_f{k}(long x) {{ return x * {k + 1} + {u}; }}" for k in range(g)]
    return "\n".join(lines) + "\n"


def module_source(i, f, deps, g):
    out = ["#define PY_SSIZE_T_CLEAN", "#include <Python.h>"]
    calls = []
    for k in range(f):
        u = deps[k % len(deps)]
        kk = (i + k) % g
        out.append(f"extern long pyn_util_{u}_f{kk}(long);")
        calls.append((k, u, kk))
    for k, u, kk in calls:
        out.append(f"static PyObject *f{k}(PyObject *self, PyObject *arg) {{ (void)self; "
                   f"long x = PyLong_AsLong(arg); return PyLong_FromLong(pyn_util_{u}_f{kk}(x) + {i}); }}")
    out.append("static PyMethodDef methods[] = {")
    out += [f'  {{"f{k}", f{k}, METH_O, NULL}},' for k in range(f)]
    out.append("  {NULL, NULL, 0, NULL}};")
    out.append(f'static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "pyn_mod_{i}", NULL, -1, methods, '
               f'NULL, NULL, NULL, NULL}};')
    out.append(f"PyMODINIT_FUNC PyInit_pyn_mod_{i}(void) {{ return PyModule_Create(&def); }}")
    # The value a visit computes: sum over functions of util(x=3) + i.
    expected = sum(3 * (kk + 1) + u + i for _, u, kk in calls)
    return "\n".join(out) + "\n", expected


def compile_one(command):
    subprocess.run(command, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--functions", type=int, default=20)
    parser.add_argument("--utils", type=int, default=10)
    parser.add_argument("--util-functions", type=int, default=40)
    args = parser.parse_args()
    cc = os.environ.get("CC", "cc")
    lib = os.path.join(args.out, "lib")
    site = os.path.join(lib, "python3", "dist-packages")
    src = os.path.join(args.out, "src")
    for d in (site, src):
        os.makedirs(d, exist_ok=True)
    jobs = []
    for u in range(args.utils):
        path = os.path.join(src, f"pynutil_{u}.c")
        with open(path, "w") as f:
            f.write(util_source(u, args.util_functions))
        jobs.append([cc, "-O1", "-shared", "-fPIC", "-o", os.path.join(lib, f"libpynutil_{u}.so"), path])
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(compile_one, jobs))
    include = sysconfig.get_paths()["include"]
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    jobs, checksum = [], 0
    for i in range(args.modules):
        deps = [i % args.utils, (i * 7 + 3) % args.utils]
        text, expected = module_source(i, args.functions, deps, args.util_functions)
        checksum += expected
        path = os.path.join(src, f"pyn_mod_{i}.c")
        with open(path, "w") as f:
            f.write(text)
        jobs.append([cc, "-O1", "-shared", "-fPIC", f"-I{include}", "-o", os.path.join(site, f"pyn_mod_{i}{suffix}"),
                     path, f"-L{lib}", f"-lpynutil_{deps[0]}", f"-lpynutil_{deps[1]}",
                     "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../.."])
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(compile_one, jobs))
    with open(os.path.join(site, "pynamic.json"), "w") as f:
        json.dump({"modules": args.modules, "functions": args.functions, "utils": args.utils,
                   "checksum": checksum}, f)
    subprocess.run(["rm", "-rf", src], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
