"""Neighbour-sampling throughput and memory: graphcl's vectorised sampler against a Python loop.

On random directed graphs (uniform endpoints, average in-degree ``--degree``) of each size in
``--nodes``, batches of ``--batch`` distinct random seeds are sampled with fanouts (10, 10) and
(64, 64, 64, 64) (CircuitGCL's 4 hops x 64) by :func:`graphcl.data.sampling.sample_neighbors`,
with ``torch.set_num_threads`` set to each value of ``--threads``. The baseline, measured in the
same run on the same seeds, is a straightforward per-node Python loop (adjacency lists,
``random.sample`` per node, a dict as node map) on the graphs of at most ``--baseline-max-nodes``
nodes.

Figures per configuration: seconds per batch, seeds/s, sampled edges/s, edges and nodes per
batch, and peak memory: the rise of the resident set above its level just before the first
(warm-up) batch, read from the kernel's peak-RSS counter after resetting it (torch tensors are
invisible to tracemalloc); for graphcl it includes the sampler's N-long int32 node map, allocated
once, and for the loop the Python objects of one batch. Each case (graph, threads, fanouts,
method) runs in its own process so that peaks do not mix. The CSR's build time and size are
reported per graph. Timings on a shared machine move with its load, printed before and after.

Usage:
python benchmarks/sampler.py [--nodes 100000 1000000] [--degree 10] [--batch 1024]
    [--threads 1 2] [--batches 20] [--big-batches 3] [--baseline-batches 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import torch

FANOUTS: list[tuple[int, ...]] = [(10, 10), (64, 64, 64, 64)]


# --- memory -----------------------------------------------------------------------------------
def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux >= 4.0); False when that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mib() -> float:
    """Current resident set, MiB."""
    kib = _status_kib("VmRSS")
    return (kib or 0) / 1024


def peak_mib() -> float:
    """Peak resident set since the last reset (or since start), MiB."""
    kib = _status_kib("VmHWM")
    if kib is None:
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024


# --- the Python-loop baseline ------------------------------------------------------------------
def loop_sample(
    rowptr: list[int],
    col: list[int],
    edge_ids: list[int],
    seeds: list[int],
    fanouts: tuple[int, ...],
    rng: random.Random,
) -> tuple[Any, Any, Any]:
    """Per-node neighbour sampling with Python containers: the obvious way to write it."""
    local = {node: i for i, node in enumerate(seeds)}
    nodes = list(seeds)
    src: list[int] = []
    dst: list[int] = []
    eids: list[int] = []
    frontier = list(seeds)
    for k in fanouts:
        new: list[int] = []
        for v in frontier:
            lo, hi = rowptr[v], rowptr[v + 1]
            picks = range(lo, hi) if k < 0 or hi - lo <= k else rng.sample(range(lo, hi), k)
            target = local[v]
            for p in picks:
                u = col[p]
                if u not in local:
                    local[u] = len(nodes)
                    nodes.append(u)
                    new.append(u)
                src.append(local[u])
                dst.append(target)
                eids.append(edge_ids[p])
        frontier = new
    return torch.tensor(nodes), torch.tensor([src, dst]), torch.tensor(eids)


# --- one worker: a graph, a thread count, fanouts and a method ------------------------------
def worker(args: argparse.Namespace) -> None:
    from graphcl.data.sampling import CSRGraph, sample_neighbors

    threads, num_nodes = args.threads[0], args.nodes[0]
    fanouts = tuple(int(k) for k in args.fanouts.split("x"))
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(args.seed)
    edge_index = torch.randint(0, num_nodes, (2, num_nodes * args.degree), generator=g)
    start = time.perf_counter()
    csr = CSRGraph.from_edge_index(edge_index, num_nodes)
    build = time.perf_counter() - start
    csr_mib = sum(t.numel() * t.element_size() for t in (csr.rowptr, csr.col, csr.edge_ids))
    emit(
        kind="graph",
        nodes=num_nodes,
        edges=csr.num_edges,
        threads=threads,
        build_s=build,
        csr_mib=csr_mib / 2**20,
    )
    del edge_index
    batches = args.batches if len(fanouts) <= 2 else args.big_batches
    if args.method == "python loop":
        batches = min(batches, args.baseline_batches)
    seeds = [torch.randperm(num_nodes, generator=g)[: args.batch] for _ in range(batches + 1)]
    if args.method == "graphcl":
        calls = [partial(sample_neighbors, csr, s, fanouts, g) for s in seeds]
    else:
        rowptr, col, eids = csr.rowptr.tolist(), csr.col.tolist(), csr.edge_ids.tolist()
        rng = random.Random(args.seed)
        calls = [partial(loop_sample, rowptr, col, eids, s.tolist(), fanouts, rng) for s in seeds]
    peak_ok = reset_peak()
    before = rss_mib()
    calls[0]()  # warm-up (the sampler allocates its node map once)
    edges = nodes = 0
    start = time.perf_counter()
    for call in calls[1:]:
        out = call()
        if isinstance(out, tuple):
            nodes += out[0].numel()
            edges += out[2].numel()
        else:
            nodes += out.num_nodes
            edges += out.num_edges
        del out
    seconds = time.perf_counter() - start
    emit(
        kind="run",
        method=args.method,
        nodes=num_nodes,
        fanouts=args.fanouts,
        threads=threads,
        batches=batches,
        seconds=seconds,
        edges=edges,
        sampled_nodes=nodes,
        batch=args.batch,
        peak_mib=(peak_mib() - before) if peak_ok else float("nan"),
    )


def emit(**record: Any) -> None:
    print("RESULT " + json.dumps(record), flush=True)


# --- the driver -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--degree", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batches", type=int, default=20, help="batches with 2 hops")
    parser.add_argument("--big-batches", type=int, default=3, help="batches with 4 hops x 64")
    parser.add_argument("--baseline-batches", type=int, default=2)
    parser.add_argument("--baseline-max-nodes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fanouts", help=argparse.SUPPRESS)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    records: list[dict[str, Any]] = []
    graphs = set()
    for num_nodes in args.nodes:
        for threads in args.threads:
            for fanouts in FANOUTS:
                methods = ["graphcl"]
                if num_nodes <= args.baseline_max_nodes and threads == min(args.threads):
                    methods.append("python loop")
                for method in methods:
                    for record in run_worker(args, num_nodes, threads, fanouts, method):
                        key = (record["nodes"], record["threads"])
                        if record["kind"] == "run" or key not in graphs:
                            graphs.add(key)
                            records.append(record)
    print_tables(records)
    print(f"load average at the end {os.getloadavg()}")


def run_worker(
    args: argparse.Namespace, num_nodes: int, threads: int, fanouts: tuple[int, ...], method: str
) -> list[dict[str, Any]]:
    """Run one case in a fresh process (so that its peak memory is its own)."""
    command = [sys.executable, __file__, "--worker", "--nodes", str(num_nodes)]
    command += ["--threads", str(threads), "--fanouts", "x".join(map(str, fanouts))]
    command += ["--method", method]
    for name in ("degree", "batch", "batches", "big_batches", "baseline_batches", "seed"):
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"worker failed ({' '.join(command)}):\n{done.stderr}")
    prefix = "RESULT "
    return [json.loads(line[len(prefix) :]) for line in done.stdout.splitlines() if prefix in line]


def print_tables(records: list[dict[str, Any]]) -> None:
    print("\nGraphs (CSR build):")
    print(f"{'nodes':>9} {'edges':>10} {'threads':>7} {'build s':>8} {'CSR MiB':>8}")
    for r in records:
        if r["kind"] == "graph":
            print(
                f"{r['nodes']:>9} {r['edges']:>10} {r['threads']:>7} {r['build_s']:>8.2f} "
                f"{r['csr_mib']:>8.0f}"
            )
    header = (
        f"{'nodes':>9} {'fanouts':>11} {'thr':>3} {'method':>12} {'batches':>7} {'s/batch':>8} "
        f"{'seeds/s':>9} {'edges/s':>11} {'edges/batch':>11} {'nodes/batch':>11} "
        f"{'peak MiB':>8} {'speed-up':>8}"
    )
    print(
        "\nSampling, batches of seeds (speed-up: graphcl over the Python loop, same graph/fanouts):"
    )
    print(header)
    runs = [r for r in records if r["kind"] == "run"]
    loop = {(r["nodes"], r["fanouts"]): r for r in runs if r["method"] == "python loop"}
    for r in runs:
        per_batch = r["seconds"] / r["batches"]
        edges_per_s = r["edges"] / r["seconds"]
        base = loop.get((r["nodes"], r["fanouts"]))
        speedup = ""
        if base is not None and r["method"] == "graphcl":
            speedup = f"{edges_per_s / (base['edges'] / base['seconds']):.0f}x"
        print(
            f"{r['nodes']:>9} {r['fanouts']:>11} {r['threads']:>3} {r['method']:>12} "
            f"{r['batches']:>7} {per_batch:>8.3f} {r['batch'] / per_batch:>9.0f} "
            f"{edges_per_s:>11.3g} {r['edges'] / r['batches']:>11.0f} "
            f"{r['sampled_nodes'] / r['batches']:>11.0f} {r['peak_mib']:>8.0f} {speedup:>8}"
        )


if __name__ == "__main__":
    main()
