#!/usr/bin/python3
"""Table, JSON and plot of bench/net_bench.sh's rows (bench/results/net.tsv), each point
next to the scaling model's prediction (bench/lib/model.py) with this machine's
parameters: the tbf rate as the link bandwidth, the single-node extraction rates and
CPU use measured by bench/stage_bench.py (bench/results/stage.json), and the fact that
all pretend hosts share this machine's cores (K extractions at once run at most
cores / (CPU per extraction) at a time)."""
import csv
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import model as M  # noqa: E402

METHODS = {"pybcast": "pybcast (libnbc default)", "pybcast-chain": "pybcast (chain ibcast)",
           "original": "original (our reimpl.)"}


def rate_bytes(rate):
    units = {"kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8}
    for unit, factor in units.items():
        if rate.endswith(unit):
            return float(rate[:-len(unit)]) * factor
    raise ValueError(rate)


def stage_parameters():
    """Extraction rate (unpacked bytes/s) and cores busy per extraction, for pybcast and
    the original, from stage.json (1 node, zst). Defaults if it is missing."""
    path = os.path.join(B.RESULTS, "stage.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        stage = json.load(f)
    out = {}
    for key, name in [("pybcast", "pybcast stage, 1 node (zst)"), ("original", "original, 1 node (zst)")]:
        m = stage["methods"][name]
        t = m["median"]
        out[key] = {"rate": stage["unpacked_bytes"] / t,
                    "cores": min(os.cpu_count(), max(1.0, B.median(m["cpu"]) / B.median(m["wall"])))}
    out["unpacked"] = stage["unpacked_bytes"]
    return out


def predict(method, compressed, unpacked, hosts, link, params, bcast_s):
    cores = os.cpu_count()
    if method == "original":
        p = params["original"]
        share = max(1.0, hosts * p["cores"] / cores)
        # Open MPI's blocking MPI_Bcast picks its own algorithm and segmenting per size and
        # ranks (here 1 root copy at 4 hosts but ~N-1 link times; 7 copies at 8): the model
        # takes its measured broadcast time and adds the sequential extraction.
        return bcast_s + unpacked / p["rate"] * share
    p = params["pybcast"]
    share = max(1.0, hosts * p["cores"] / cores)
    algorithm = "chain" if method == "pybcast-chain" else None
    return M.pybcast_stage(compressed, unpacked, hosts, link, p["rate"], algorithm, cpu_share=share)


def main():
    tsv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(B.RESULTS, "net.tsv")
    rows = list(csv.DictReader(open(tsv), delimiter="\t"))
    if not rows:
        print("net_report: no rows")
        return 0
    params = stage_parameters()
    groups = defaultdict(list)
    for r in rows:
        groups[(r["rate"], int(r["hosts"]), r["method"])].append(r)
    compressed = int(rows[0]["bundle_bytes"])
    unpacked = params["unpacked"] if params else float("nan")
    table_rows, points = [], []
    for (rate, hosts, method), runs in sorted(groups.items(), key=lambda kv: (rate_bytes(kv[0][0]), kv[0][1],
                                                                           list(METHODS).index(kv[0][2]))):
        stage = B.median([float(r["stage_s"]) for r in runs])
        bcast = B.median([float(r["bcast_s"]) for r in runs])
        wall = B.median([float(r["wall_s"]) for r in runs])
        copies = B.median([int(r["root_tx_bytes"]) for r in runs]) / compressed
        link = rate_bytes(rate)
        model = predict(method, compressed, unpacked, hosts, link, params, bcast) if params else float("nan")
        algorithm = {"pybcast": M.libnbc_default(hosts), "pybcast-chain": "chain"}.get(method, "MPI_Bcast (tuned)")
        points.append({"rate": rate, "hosts": hosts, "method": method, "stage_s": stage, "bcast_s": bcast,
                       "wall_s": wall, "root_copies": copies, "model_s": model, "runs": len(runs)})
        table_rows.append([rate, hosts, METHODS[method], f"{stage:.2f}", f"{bcast:.2f}", f"{copies:.1f}",
                           algorithm, f"{model:.2f}", f"{wall:.2f}"])
    text = (f"### Network-shaped staging: {compressed / 2**20:.1f} MiB zst bundle ({unpacked / 2**20:.0f} MiB "
            f"unpacked) to K pretend hosts (netns, tc tbf on every host link), one rank per host, cold\n\n"
            f"stage s = the tool's own staging time (median of {len(next(iter(groups.values())))}); "
            f"bcast s = its broadcast phase (pybcast: overlapped with extraction; original: before it); "
            f"root copies = bytes sent by the reader's host / bundle size; model = bench/lib/model.py with the "
            f"tbf rate, the 1-node extraction rates of stage.json and {os.cpu_count()} shared cores (pybcast: "
            f"max(broadcast, extraction) + pipeline fill, with the copies its algorithm sends; original: its measured "
            f"broadcast + extraction, in sequence).\n\n")
    text += B.table(["link", "hosts", "method", "stage s", "bcast s", "root copies", "ibcast algorithm",
                     "model s", "mpirun wall s"], table_rows)
    # pipelining gain: original / pybcast at each point
    gains = []
    for rate in sorted({p["rate"] for p in points}, key=rate_bytes):
        for hosts in sorted({p["hosts"] for p in points}):
            by = {p["method"]: p["stage_s"] for p in points if p["rate"] == rate and p["hosts"] == hosts}
            if "original" in by and "pybcast" in by:
                best = min(v for k, v in by.items() if k.startswith("pybcast"))
                gains.append(f"{rate} x{hosts}: original/pybcast = {by['original'] / by['pybcast']:.2f}x "
                             f"(best pybcast variant {by['original'] / best:.2f}x)")
    text += "\n" + "; ".join(gains) + "\n"
    B.write_results("net", {"bundle_bytes": compressed, "unpacked_bytes": unpacked, "parameters": params,
                            "points": points, "rows": rows}, text)

    plt = B.pyplot()
    rates = sorted({p["rate"] for p in points}, key=rate_bytes)
    fig, axes = plt.subplots(1, len(rates), figsize=(5.5 * len(rates), 4.2), squeeze=False)
    colors = {"pybcast": "#1f77b4", "pybcast-chain": "#2ca02c", "original": "#d62728"}
    for ax, rate in zip(axes[0], rates):
        for method in METHODS:
            pts = sorted((p for p in points if p["rate"] == rate and p["method"] == method), key=lambda p: p["hosts"])
            if not pts:
                continue
            hosts = [p["hosts"] for p in pts]
            ax.plot(hosts, [p["stage_s"] for p in pts], "o-", color=colors[method], label=METHODS[method])
            ax.plot(hosts, [p["model_s"] for p in pts], ":", color=colors[method], label=f"model: {method}")
        ax.set(xlabel="hosts", ylabel="staging time (s)", title=f"tbf {rate} per host link", ylim=(0, None))
        ax.set_xticks(hosts, [str(h) for h in hosts])
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(B.plot_path("net"), dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
