#!/usr/bin/env python3
"""Architecture numbers of src/ for a review: lines per layer, the largest
functions, function count and mean length, and the layer dependency graph as
the includes show it. Usage: scripts/architecture_metrics.py [SRC_DIR]"""
import collections
import os
import re
import subprocess
import sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
layers = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
lines, files, deps = collections.Counter(), collections.Counter(), collections.defaultdict(set)
include = re.compile(r'#include "([a-z_]+)/')
sources = []
for layer in layers:
    for name in sorted(os.listdir(os.path.join(src, layer))):
        if not name.endswith((".h", ".cc", ".c")):
            continue
        path = os.path.join(src, layer, name)
        sources.append(path)
        with open(path) as f:
            text = f.read().splitlines()
        lines[layer] += sum(1 for l in text if l.strip())
        files[layer] += 1
        for l in text:
            m = include.match(l)
            if m and m.group(1) != layer:
                deps[layer].add(m.group(1))
total = sum(lines.values())
print("| layer | files | non-blank lines | share | includes from |")
print("|---|---|---|---|---|")
for layer in layers:
    print(f"| {layer} | {files[layer]} | {lines[layer]} | {100 * lines[layer] / total:.1f} % | {', '.join(sorted(deps[layer])) or '-'} |")
print(f"| total | {sum(files.values())} | {total} | | |")

# Function extents from ctags (definitions with an end line), lambdas left out.
out = subprocess.run(["ctags", "--fields=+ne", "--c++-kinds=f", "--c-kinds=f", "-x", "--_xformat=%N\t%F\t%n\t%e",
                      *[s for s in sources if s.endswith((".cc", ".c"))]], capture_output=True, text=True).stdout
functions = []
for row in out.splitlines():
    name, path, start, end = row.split("\t")
    if name.startswith("__anon") or not end.isdigit():
        continue
    functions.append((int(end) - int(start) + 1, name, os.path.relpath(path, src), int(start)))
functions.sort(reverse=True)
mean = sum(f[0] for f in functions) / max(1, len(functions))
print(f"\n{len(functions)} functions, mean {mean:.1f} lines; the largest:")
for length, name, path, start in functions[:8]:
    print(f"  {length:4d}  {name}  ({path}:{start})")
