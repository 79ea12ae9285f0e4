#!/usr/bin/python3
"""The scaling model of docs/scaling.md: fit this machine's per-chunk broadcast cost,
extraction rates and per-metadata-op latency from bench/results/{net_probe.tsv,stage,startup}.json,
then predict staging and start-up from 1 to 10,000 nodes for an anaconda-size stack
(1 GiB unpacked) with the stated cluster assumptions (bench/lib/model.py holds the
formulas). Writes bench/results/scaling.{md,json,png}. Then image mode (issue 29): a 5 GB /
100k-file environment staged per-file (tar) vs as one image copied and mounted, from the
constants measured in IMAGE_MEASURED; `--image-only` prints that part alone (it needs none of
the other benchmarks' results) into bench/results/scaling_image.{md,json}."""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import benchlib as B  # noqa: E402
import model as M  # noqa: E402

# Published by the original tool (rainwoodman/python-mpi-bcast, benchmarks/): bcast.c's
# own "Time : ... in bcast / in tar" lines.
PUBLISHED = [
    {"nodes": 5310, "bcast_s": 2.15751, "tar_s": 43.1168, "where": "Cray XC30 (Edison), srun -N 5310, "
     "benchmarks/cray-xc30/bench-5310.out: cray-xc30.tar.gz + python-2.7-edison.tar.gz"},
    {"nodes": 8192, "bcast_s": 5.58864, "tar_s": 8.57061, "where": "Cray XE (Blue Waters), aprun -n 262144 "
     "(32 per node), benchmarks/cray-xt/bench-8192.out: cray-xt.tar.gz + anaconda-2.7.tar.gz"},
]

# Cluster assumptions (stated in docs/scaling.md).
ASSUME = {
    "unpacked_bytes": 2**30,          # anaconda-size stack
    "link_Bps": 10e9,                 # per-node injection bandwidth (Aries/IB class)
    "slow_link_Bps": 1.25e9,          # a 10 Gbit/s Ethernet cluster, for contrast
    "alpha_s": 2e-6,                  # per-hop latency
    "read_Bps": 1e9,                  # rank 0 reading the bundle from the parallel FS
    "write_Bps": 2e9,                 # the original writes the bundle to /dev/shm first
    "chunk_bytes": 4 * 2**20,         # pybcast --chunk-size default
    "ranks_per_node": 32,
    "op_latency_s": 1e-3,             # one metadata op seen by a client, busy server
    "mds_ops_per_s": 50000,           # what a saturated metadata server serves in all
}


# Image mode (issue 29), measured on this machine on 2026-12-07 (2 cores, 1 rank, cold,
# medians; bench/results/image_bench-big-20261207.txt and extract_cost_bench-20261207.txt):
# the big stack of `STACK=big bench/image_bench.sh` (Debian's python3.11 + all of
# /usr/lib/python3/dist-packages) as two tar bundles and as one image.
IMAGE_MEASURED = {
    "entries": 31435,                 # 28,279 files, 3,134 dirs, 22 symlinks
    "unpacked_bytes": 674278869,      # 643 MiB: the sizes in both tar streams
    "tar_bytes": 13558155 + 171735810,  # python.tar.zst + site.tar.zst (zstd 3, pack's frames)
    "image_bytes": 194273312,         # pack image, zstd 6, 128K blocks
    "tar_held_bytes": 675036212,      # du -sbx of the node root after a cold step
    "image_held_bytes": 194274655,
    # extract_cost_bench.sh: total = entries * per_entry + unpacked / bytes_per_s, solved from
    # the big stack (files) and ~1 GB of /usr/lib/x86_64-linux-gnu's big libraries (bytes).
    "extract_per_entry_s": 1.858e-05,  # 18.6 us
    "extract_bytes_per_s": 4.7011e+08,  # 448 MiB/s
    # image_bench.sh (run B, 7 runs): the report's total, cold (read, copy + hash, publish,
    # mount) and warm (cache hit + mount).
    "image_cold_stage_s": 0.3861,
    "image_warm_stage_s": 0.0047,
}
IMAGE_TARGET = {"unpacked_bytes": 5e9, "entries": 100_000}


def image_model(broadcast):
    """Staging of IMAGE_TARGET, per-file extraction (tar) vs one image copied and mounted,
    1 to 10,000 nodes, and what each node holds. Returns (markdown, data)."""
    m, a, t = IMAGE_MEASURED, ASSUME, IMAGE_TARGET
    S_u, files = t["unpacked_bytes"], t["entries"]
    S_tar = S_u * m["tar_bytes"] / m["unpacked_bytes"]
    S_img = S_u * m["image_bytes"] / m["unpacked_bytes"]
    extract_rate = S_u / M.extract_seconds(files, S_u, m["extract_per_entry_s"], m["extract_bytes_per_s"])
    copy_rate = m["image_bytes"] / (m["image_cold_stage_s"] - m["image_warm_stage_s"])
    mount_s = m["image_warm_stage_s"]
    common = dict(read_rate=a["read_Bps"], alpha=a["alpha_s"], chunk=a["chunk_bytes"],
                  per_chunk=broadcast["per_chunk_s"])
    eff = broadcast["link_efficiency"]

    def row(n):
        out = {}
        for name, link in (("", a["link_Bps"]), ("_10gbe", a["slow_link_Bps"])):
            for alg in ("binomial", "tree"):
                how = None if alg == "binomial" else alg  # libnbc's default: linear to 4 ranks, then binomial
                out[f"tar_{alg}{name}"] = M.pybcast_stage(S_tar, S_u, n, link * eff, extract_rate, how, **common)
                out[f"image_{alg}{name}"] = M.image_stage(S_img, n, link * eff, copy_rate, mount_s, how, **common)
        return out

    nodes = [1, 10, 100, 1000, 10000]
    table = {n: row(n) for n in nodes}
    held_tar = S_u * m["tar_held_bytes"] / m["unpacked_bytes"]
    rows = [[n, f"{c['tar_binomial']:.2f}", f"{c['image_binomial']:.2f}",
             f"{c['image_binomial'] / c['tar_binomial']:.2f}", f"{c['tar_tree']:.2f}", f"{c['image_tree']:.2f}",
             f"{c['image_tree'] / c['tar_tree']:.2f}", f"{c['tar_binomial_10gbe']:.2f}",
             f"{c['image_binomial_10gbe']:.2f}"] for n, c in table.items()]
    text = (f"### Image mode: {S_u / 1e9:.0f} GB / {files:,} files, tar (per-file extraction) vs image "
            f"(one copy + mount)\n\n"
            f"Measured here (1 node): extraction {m['extract_per_entry_s'] * 1e6:.1f} us per entry + "
            f"{m['extract_bytes_per_s'] / 2**20:.0f} MiB/s unpacked (so {extract_rate / 2**20:.0f} MiB/s for this "
            f"environment); image copy + hash {copy_rate / 2**20:.0f} MiB/s, mount {mount_s * 1e3:.1f} ms; "
            f"compressed {S_tar / 1e9:.2f} GB (tar.zst) and {S_img / 1e9:.2f} GB (image) at the big stack's ratios. "
            f"Assumed: link {a['link_Bps'] / 1e9:.0f} GB/s (and 10 GbE), read {a['read_Bps'] / 1e9:.0f} GB/s, "
            f"link efficiency {eff:.2f}, per-chunk cost {broadcast['per_chunk_s'] * 1e3:.2f} ms.\n\n")
    text += B.table(["nodes", "tar s (binomial)", "image s (binomial)", "image/tar", "tar s (pipelined tree)",
                     "image s (pipelined tree)", "image/tar", "tar s (binomial, 10 GbE)",
                     "image s (binomial, 10 GbE)"], rows)
    text += (f"\nHeld in /dev/shm per node: tar {held_tar / 1e9:.2f} GB, image {S_img / 1e9:.2f} GB "
             f"({S_img / held_tar:.2f}x).\n")
    data = {"measured": m, "target": t, "extract_Bps": extract_rate, "copy_Bps": copy_rate, "mount_s": mount_s,
            "tar_bytes": S_tar, "image_bytes": S_img, "held_tar_bytes": held_tar, "held_image_bytes": S_img,
            "predictions": {str(n): c for n, c in table.items()}}
    return text, data


def load(name):
    path = os.path.join(B.RESULTS, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def rate_bytes(rate):
    return {"mbit": 1e6 / 8, "gbit": 1e9 / 8}[rate[-4:]] * float(rate[:-4])


def fit_broadcast():
    """The broadcast alone (bench/bcast_probe.c over the pretend hosts, two chunk sizes):
    seconds = copies * S / (efficiency * B) + chunks * per_chunk, least squares, where
    copies is what the root's link carried (measured) and B the tbf rate. Only runs with
    no more hosts than cores: with more, the hosts' TCP stacks share the CPU and the
    per-chunk cost measures this VM's contention, not the network (reported apart)."""
    import csv
    import numpy as np
    path = os.path.join(B.RESULTS, "net_probe.tsv")
    if not os.path.exists(path):
        return {"link_efficiency": 1.0, "per_chunk_s": 0.0, "points": 0}
    rows, ys, contended = [], [], {}
    for r in csv.DictReader(open(path), delimiter="\t"):
        size, chunk, hosts = int(r["size_bytes"]), int(r["chunk_bytes"]), int(r["hosts"])
        x = [int(r["root_tx_bytes"]) / rate_bytes(r["rate"]), math.ceil(size / chunk)]
        if hosts <= os.cpu_count():
            rows.append(x)
            ys.append(float(r["seconds"]))
        else:
            contended.setdefault(hosts, []).append((x, float(r["seconds"])))
    (a, c), *_ = np.linalg.lstsq(np.array(rows), np.array(ys), rcond=None)
    residual = max(abs(x[0] * a + x[1] * c - y) / y for x, y in zip(rows, ys))
    # With more hosts than cores: the apparent per-chunk cost, given the fitted efficiency.
    apparent = {h: B.median([(y - x[0] * a) / x[1] for x, y in pts]) for h, pts in contended.items()}
    return {"link_efficiency": 1 / a, "per_chunk_s": max(0.0, c), "points": len(ys), "max_rel_residual": residual,
            "apparent_per_chunk_s_oversubscribed": {str(h): v for h, v in apparent.items()}}


def fit_metadata(startup):
    """Seconds per metadata op on slowfs: (a) wall minus the local-disk floor (d), over ops."""
    out = {}
    for label, runs_by_ranks, latency in ([("sweep", startup["sweep"], startup["latency_ms"])] +
                                          ([("target", {str(startup["target"]["ranks"]): startup["target"]["runs"]},
                                             startup["target"]["latency_ms"])] if startup.get("target") else [])):
        xs, ys = [], []
        for ranks, runs in runs_by_ranks.items():
            a = B.median([r["wall"] for r in runs["a"]])
            floor = B.median([r["wall"] for r in runs["d"]]) if "d" in runs else \
                B.median([r["wall"] for r in startup["sweep"][ranks]["d"]]) if ranks in startup["sweep"] else 0
            ops = B.median([r["metadata_ops"] for r in runs["a"]])
            xs.append(ops)
            ys.append(a - floor)
        t_op = sum(y for y in ys) / sum(xs)
        ops_per_rank = min(x / int(r) for x, r in zip(xs, runs_by_ranks))
        out[label] = {"configured_ms": latency, "fitted_ms_per_op": t_op * 1e3, "ops_per_process": ops_per_rank}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--image-only", action="store_true", help="only image mode (issue 29): needs no results")
    args = parser.parse_args()
    if args.image_only:
        text, data = image_model(fit_broadcast())
        B.write_results("scaling_image", data, text)
        return 0
    stage, startup = load("stage"), load("startup")
    if not stage:
        sys.exit("scaling_model: run bench/stage_bench.py first")
    unpacked = stage["unpacked_bytes"]
    fit = {
        "extract_pybcast_zst_Bps": unpacked / stage["methods"]["pybcast stage, 1 node (zst)"]["median"],
        "extract_pybcast_gz_Bps": unpacked / stage["methods"]["pybcast stage, 1 node (gz)"]["median"],
        "extract_original_gz_Bps": unpacked / stage["methods"]["original, 1 node (gz)"]["median"],
        "zst_ratio": unpacked / stage["bundle_bytes"]["zst"],
        "gz_ratio": unpacked / stage["bundle_bytes"]["gz"],
    }
    fit["broadcast"] = fit_broadcast()
    fit["metadata"] = fit_metadata(startup) if startup else {}
    ops = (fit["metadata"].get("target") or fit["metadata"].get("sweep") or {"ops_per_process": 5400})["ops_per_process"]
    local_start = B.median([r["wall"] for r in startup["sweep"]["1"]["c"]]) if startup else 1.0

    a = ASSUME
    S_u = a["unpacked_bytes"]
    S_zst, S_gz = S_u / fit["zst_ratio"], S_u / fit["gz_ratio"]
    link = a["link_Bps"] * fit["broadcast"]["link_efficiency"]
    per_chunk = fit["broadcast"]["per_chunk_s"]
    nodes_axis = sorted({int(round(10 ** (k / 8))) for k in range(0, 33)} | {5310, 8192})

    def curves(n):
        common = dict(read_rate=a["read_Bps"], alpha=a["alpha_s"], chunk=a["chunk_bytes"], per_chunk=per_chunk)
        return {
            "pybcast_zst": M.pybcast_stage(S_zst, S_u, n, link, fit["extract_pybcast_zst_Bps"], **common),
            "pybcast_zst_tree": M.pybcast_stage(S_zst, S_u, n, link, fit["extract_pybcast_zst_Bps"], "tree", **common),
            "pybcast_zst_10gbe": M.pybcast_stage(S_zst, S_u, n, a["slow_link_Bps"] * fit["broadcast"]["link_efficiency"],
                                                 fit["extract_pybcast_zst_Bps"], **common),
            "original_gz": M.original_stage(S_gz, S_u, n, link, fit["extract_original_gz_Bps"], "tree",
                                            read_rate=a["read_Bps"], write_rate=a["write_Bps"], alpha=a["alpha_s"]),
            "shared_fs_per_rank": M.shared_fs_startup(n, a["ranks_per_node"], ops, a["op_latency_s"],
                                                      a["mds_ops_per_s"]),
            "shared_fs_per_node": M.shared_fs_startup(n, a["ranks_per_node"], ops, a["op_latency_s"],
                                                      a["mds_ops_per_s"], processes_per_node=1),
        }

    table = {n: curves(n) for n in nodes_axis}
    for n, c in table.items():
        c["pybcast_startup"] = c["pybcast_zst"] + local_start
    show = [1, 10, 100, 1000, 5310, 8192, 10000]
    rows = []
    for n in show:
        c = curves(n)
        rows.append([n, f"{c['pybcast_zst']:.2f}", f"{c['pybcast_zst_tree']:.2f}", f"{c['pybcast_zst_10gbe']:.2f}",
                     f"{c['original_gz']:.2f}",
                     f"{c['pybcast_zst'] + local_start:.2f}", f"{c['shared_fs_per_node']:.0f}",
                     f"{c['shared_fs_per_rank']:.0f}"])
    text = (f"### Scaling model: {S_u / 2**30:.0f} GiB unpacked stack ({S_zst / 2**20:.0f} MiB zst, "
            f"{S_gz / 2**20:.0f} MiB gz), {a['ranks_per_node']} ranks per node\n\n"
            f"Fitted here: pybcast extraction {fit['extract_pybcast_zst_Bps'] / 2**20:.0f} MiB/s (zst, 1 node), "
            f"original {fit['extract_original_gz_Bps'] / 2**20:.0f} MiB/s (gz, 1 thread); broadcast link efficiency "
            f"{fit['broadcast']['link_efficiency']:.2f}, per-chunk cost {per_chunk * 1e3:.2f} ms "
            f"({fit['broadcast']['points']} broadcast-only runs on <= {os.cpu_count()} hosts, worst relative residual "
            f"{fit['broadcast'].get('max_rel_residual', 0):.0%}; apparent per-chunk cost with more hosts than cores: "
            + ", ".join(f"{h} hosts {v * 1e3:.1f} ms" for h, v in
                        fit["broadcast"].get("apparent_per_chunk_s_oversubscribed", {}).items()) + f"); {ops:.0f} metadata ops per process; local start-up after "
            f"staging {local_start:.2f} s. Assumed: link {a['link_Bps'] / 1e9:.0f} GB/s, read "
            f"{a['read_Bps'] / 1e9:.0f} GB/s, {a['op_latency_s'] * 1e3:.0f} ms per op, MDS "
            f"{a['mds_ops_per_s']} ops/s.\n\n")
    text += B.table(["nodes", "pybcast staging s (libnbc binomial)", "pybcast staging s (pipelined tree)",
                     "pybcast staging s (binomial, 10 GbE)",
                     "original staging s (gz)", "pybcast start-up s", "shared FS start-up s (node cache)",
                     "shared FS start-up s (no cache)"], rows)
    text += "\nPublished by the original tool (bcast + tar): " + "; ".join(
        f"{p['nodes']} nodes: {p['bcast_s']:.1f} + {p['tar_s']:.1f} = {p['bcast_s'] + p['tar_s']:.1f} s"
        for p in PUBLISHED) + "\n"
    image_text, image_data = image_model(fit["broadcast"])
    text += "\n" + image_text
    B.write_results("scaling", {"assumptions": a, "fit": fit, "published": PUBLISHED,
                                "predictions": {str(n): c for n, c in table.items()}, "image": image_data}, text)

    plt = B.pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    xs = list(table)
    styles = [("pybcast_zst", "pybcast staging (zst, libnbc binomial per chunk)", "#1f77b4", "-"),
              ("pybcast_zst_tree", "pybcast staging (zst, pipelined binary tree)", "#1f77b4", "--"),
              ("pybcast_zst_10gbe", "pybcast staging (zst, libnbc binomial) on 10 Gbit/s Ethernet", "#9467bd", "-."),
              ("pybcast_startup", "pybcast staging + local Python start-up", "#2ca02c", "-"),
              ("original_gz", "original algorithm (gz): read, bcast, write, 1-thread extract", "#d62728", "-"),
              ("shared_fs_per_node", "every rank from the shared FS (node-level client cache)", "#7f7f7f", "-"),
              ("shared_fs_per_rank", "every rank from the shared FS (no client cache)", "#7f7f7f", ":")]
    for key, label, color, ls in styles:
        ax.plot(xs, [table[n][key] for n in xs], ls, color=color, label=label)
    for p in PUBLISHED:
        ax.plot([p["nodes"]], [p["bcast_s"] + p["tar_s"]], "*", color="#d62728", markersize=12)
        ax.annotate(f"original, published:\n{p['bcast_s']:.1f} s bcast + {p['tar_s']:.1f} s tar", (p["nodes"],
                    p["bcast_s"] + p["tar_s"]), textcoords="offset points", xytext=(-150, 8), fontsize=7)
    ax.set(xscale="log", yscale="log", xlabel="nodes", ylabel="seconds",
           title=f"Model: staging and start-up of a {S_u / 2**30:.0f} GiB stack, {a['ranks_per_node']} ranks/node")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(B.plot_path("scaling"), dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
