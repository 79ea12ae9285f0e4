"""The scaling model of docs/scaling.md: staging time of pybcast and of the original
algorithm, and start-up from a shared file system, as simple closed forms. Pure
functions; the parameters are fitted from bench/results/*.json by bench/scaling_model.py
(and used by bench/net_report.py for the pretend-host runs). Sizes in bytes, rates in
bytes/s, times in seconds."""
import math

MIB = 2**20


def log2_ceil(n):
    return math.ceil(math.log2(n)) if n > 1 else 0


def root_copies(nodes, algorithm):
    """How many copies of each chunk the root sends: its link carries this times the bundle.
    linear: one per receiver; binomial: one per level (Open MPI libnbc's MPI_Ibcast:
    linear up to 4 ranks, binomial above); chain and pipelined binary tree: 1 or 2."""
    if nodes <= 1:
        return 0
    return {"linear": nodes - 1, "binomial": log2_ceil(nodes), "chain": 1, "tree": min(2, nodes - 1)}[algorithm]


def depth(nodes, algorithm):
    """Hops from the root to the last node."""
    if nodes <= 1:
        return 0
    return {"linear": 1, "binomial": log2_ceil(nodes), "chain": nodes - 1, "tree": log2_ceil(nodes + 1) - 1}[algorithm]


def libnbc_default(nodes):
    return "linear" if nodes <= 4 else "binomial"


def broadcast_time(compressed, nodes, link, algorithm, chunk=4 * MIB, per_chunk=0.0, alpha=0.0, copies=None):
    """Pipelined broadcast in chunks: the busiest link (the root's) carries root_copies
    bundles (or `copies`, when measured); the last chunk needs `depth` more hops to reach
    the farthest node; per_chunk is the fixed cost of one chunk operation (fitted)."""
    if nodes <= 1:
        return 0.0
    chunks = max(1, math.ceil(compressed / chunk))
    copies = root_copies(nodes, algorithm) if copies is None else copies
    return (copies * compressed / link + chunks * per_chunk +
            depth(nodes, algorithm) * (min(chunk, compressed) / link + alpha))


def pybcast_stage(compressed, unpacked, nodes, link, extract_rate, algorithm=None, read_rate=float("inf"),
                  chunk=4 * MIB, per_chunk=0.0, alpha=0.0, cpu_share=1.0):
    """read || broadcast || extract: the slowest of the three, plus filling the pipeline
    (the first chunk crosses the tree before extraction can start)."""
    algorithm = algorithm or libnbc_default(nodes)
    net = broadcast_time(compressed, nodes, link, algorithm, chunk, per_chunk, alpha)
    extract = unpacked / extract_rate * cpu_share
    read = compressed / read_rate
    fill = min(chunk, compressed) / read_rate + depth(nodes, algorithm) * (min(chunk, compressed) / link + alpha)
    return max(net, extract, read) + fill


def original_stage(compressed, unpacked, nodes, link, extract_rate, algorithm=None, read_rate=float("inf"),
                   write_rate=float("inf"), segment=128 * 1024, alpha=0.0, cpu_share=1.0, copies=None):
    """read, then one whole-file broadcast (which MPI segments internally), then write the
    file, then extract it: in sequence. Fails past 2 GiB compressed (int count)."""
    if compressed >= 2**31:
        return float("nan")
    algorithm = algorithm or libnbc_default(nodes)
    net = broadcast_time(compressed, nodes, link, algorithm, segment, 0.0, alpha, copies)
    return compressed / read_rate + net + compressed / write_rate + unpacked / extract_rate * cpu_share


def shared_fs_startup(nodes, ranks_per_node, ops_per_process, op_latency, mds_rate, processes_per_node=None):
    """Every process imports from the shared file system. Each of its ops waits at least
    op_latency; the metadata server serves at most mds_rate ops/s in all. processes_per_node
    is how many distinct clients per node reach the server: ranks_per_node with no client
    cache (as slowfs with its timeouts at 0), 1 with a perfect node cache."""
    clients = nodes * (processes_per_node or ranks_per_node)
    return max(ops_per_process * op_latency, clients * ops_per_process / mds_rate)


def extract_seconds(entries, unpacked, per_entry, bytes_rate):
    """Per-file extraction into /dev/shm (issue 29's image-mode model): every entry costs
    per_entry seconds (create, open, write, close, the .pyc mirror's link), every unpacked
    byte 1 / bytes_rate seconds (decode and copy); fitted by bench/extract_cost_bench.sh."""
    return entries * per_entry + unpacked / bytes_rate


def image_stage(image, nodes, link, copy_rate, mount_s, algorithm=None, read_rate=float("inf"),
                chunk=4 * MIB, per_chunk=0.0, alpha=0.0):
    """An image bundle: the same pipelined broadcast of its bytes, each node leader writing
    them as one sequential file and hashing them as they arrive (copy_rate), then one mount
    (mount_s, with the publish): read || broadcast || copy, plus filling the pipeline."""
    algorithm = algorithm or libnbc_default(nodes)
    net = broadcast_time(image, nodes, link, algorithm, chunk, per_chunk, alpha)
    fill = min(chunk, image) / read_rate + depth(nodes, algorithm) * (min(chunk, image) / link + alpha)
    return max(net, image / copy_rate, image / read_rate) + fill + mount_s
