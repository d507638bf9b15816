"""gCooL at scale: peak memory and time per epoch of its loss, community mini-batches against a
dense implementation.

The loss is gCooL's (Li et al., WWW 2022): node InfoNCE between two views + DeCA + ReSC, on a
2-layer GCN with ``--hidden`` units and a projection head, ``--communities`` learnable centres.
Three implementations, each configuration in its own process so that peaks do not mix:

- ``ours, communities``: :class:`graphcl.methods.gcool.GCooL` trained on
  ``CommunityBatchPlan`` mini-batches (``--batch`` core nodes per batch, the planted
  communities given as the assignment, a ``--halo-hops`` halo with all neighbours);
- ``ours, full``: the same method on the whole graph every step (graphcl's losses are sparse
  and chunked: memory linear in nodes + edges), on graphs of at most ``--full-max-nodes``;
- ``dense``: the reference code's way, kept in this file: a dense n x n adjacency per view
  (GCN propagation ``D^-1/2 (A + I) D^-1/2 X W``, DeCA's ``R^T A R``) and dense n x n
  cross-view similarities for the node InfoNCE. Its memory is estimated first
  (``DENSE_MATRICES`` n x n float32 matrices alive at its peak) and it is refused above
  ``--memory-limit`` GiB (default: half the available memory), printing the estimate; a
  ``MemoryError`` or failed allocation is caught and reported.

Graphs: random graphs with planted communities of ``--community-size`` nodes, average degree
``--degree`` (a fraction ``--p-in`` of each node's edges inside its community), 128-dim features
(community centre + noise), for each size in ``--sizes``. ``--physics`` adds Coauthor-Physics
(``coauthor_physics``, 34,493 nodes, 8,415 features) full batch and dense (refused when too
big). Uniform views (edge dropping 0.2 / 0.4, feature masking 0.3 / 0.4) in all three.

Figures: seconds of the first (warm-up) step, seconds per epoch (mean over ``--epochs`` epochs
after it; Coauthor-Physics runs ``--physics-epochs``, default 0: the one step, enough for its
peak), steps per epoch, and memory: the process's resident set before training (graph,
features, model) and its peak during training, from the kernel's peak-RSS counter reset before
training (torch tensors are invisible to tracemalloc). Timings on a shared machine move with
its load.

Usage:
python benchmarks/node_scale.py [--sizes 10000 100000] [--epochs 1] [--batch 1024]
    [--physics] [--detect-louvain] [--impls communities full dense] [--max-steps 0]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sampler import peak_mib, reset_peak, rss_mib

#: n x n float32 matrices the dense implementation holds at its peak: two binary adjacencies,
#: two normalised ones, the similarity logits, their exponentials and a gradient of each (about).
DENSE_MATRICES = 9
VIEWS = (
    [{"name": "edge_drop", "ratio": 0.2}, {"name": "feature_mask", "ratio": 0.3}],
    [{"name": "edge_drop", "ratio": 0.4}, {"name": "feature_mask", "ratio": 0.4}],
)
TAU, ASSIGN_T, LAM, GAMMA = 0.3, 0.5, 0.9, 8e-5


# --- graphs ------------------------------------------------------------------------------------
def planted_graph(
    n: int, community_size: int, degree: int, p_in: float, dim: int, seed: int
) -> tuple[Tensor, Tensor, Tensor]:
    """A random graph with planted communities: ``n * degree / 2`` undirected edges, a fraction
    ``p_in`` of them inside a community (both ends drawn in it), the rest uniform.

    Shape: -> x (n, dim) float32, edge_index (2, ~n * degree) both directions, assignment (n,).
    """
    g = torch.Generator().manual_seed(seed)
    assignment = torch.arange(n) // community_size
    m = n * degree // 2
    source = torch.randint(0, n, (m,), generator=g)
    inside = torch.rand(m, generator=g) < p_in
    start = assignment[source] * community_size
    size = (start + community_size).clamp(max=n) - start
    local = (torch.rand(m, generator=g) * size).long()
    target = torch.where(inside, start + local, torch.randint(0, n, (m,), generator=g))
    keep = source != target
    pairs = torch.stack([source[keep], target[keep]])
    edge_index = torch.cat([pairs, pairs.flip(0)], 1)
    centres = torch.randn(int(assignment.max()) + 1, dim, generator=g)
    x = centres[assignment] + torch.randn(n, dim, generator=g)
    return x, edge_index, assignment


# --- the dense reference ---------------------------------------------------------------------
class DenseGCooL(nn.Module):
    """gCooL as its reference code computes it: dense n x n adjacency and similarity matrices."""

    def __init__(self, features: int, hidden: int, communities: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(features, hidden), nn.Linear(hidden, hidden)])
        self.act = nn.PReLU()
        self.projection = nn.Sequential(
            nn.Linear(hidden, hidden), nn.ELU(), nn.Linear(hidden, hidden)
        )
        self.centres = nn.Parameter(F.normalize(torch.randn(communities, hidden), dim=1))

    @staticmethod
    def adjacency(edge_index: Tensor, n: int) -> tuple[Tensor, Tensor]:
        """Binary A and ``D^-1/2 (A + I) D^-1/2``, both dense. Shape: -> (n, n), (n, n)."""
        a = torch.zeros(n, n)
        a[edge_index[0], edge_index[1]] = 1.0
        a_hat = a + torch.eye(n)
        d = a_hat.sum(1).pow(-0.5)
        a_hat.mul_(d[:, None]).mul_(d[None, :])
        return a, a_hat

    def embed(self, x: Tensor, a_hat: Tensor) -> Tensor:
        h = x
        for layer in self.layers:
            h = self.act(a_hat @ layer(h))
        return F.normalize(self.projection(h), dim=1)

    def forward(self, x: Tensor, edge_index: Tensor, epoch: int, stride: int = 500) -> Tensor:
        n = x.shape[0]
        views = []
        for drop, mask in ((0.2, 0.3), (0.4, 0.4)):
            kept = edge_index[:, torch.rand(edge_index.shape[1]) >= drop]
            features = x * (torch.rand(1, x.shape[1]) >= mask)
            a, a_hat = self.adjacency(kept, n)
            views.append((self.embed(features, a_hat), a))
            del a_hat
        (z1, a1), (z2, a2) = views
        between = torch.exp(z1 @ z2.T / TAU)  # (n, n)
        node = (
            -(
                torch.log(between.diag() / between.sum(1))
                + torch.log(between.diag() / between.sum(0))
            ).mean()
            / 2
        )
        c = F.normalize(self.centres, dim=1)
        r1 = torch.softmax(z1.detach() @ c.T / ASSIGN_T, 1)
        r2 = torch.softmax(z2.detach() @ c.T / ASSIGN_T, 1)
        deca = (self.deca(r1, a1) + self.deca(r2, a2)) / 2
        resc = (self.resc(z1, z2, r2) + self.resc(z2, z1, r1)) / 2
        t = epoch / stride
        alpha = max(0.0, 1 - t / 0.2)
        return node + alpha * (math.exp(-t) * deca + (1 - math.exp(-t)) * resc)

    @staticmethod
    def deca(r: Tensor, a: Tensor) -> Tensor:
        n = r.shape[0]
        df = r.T @ a @ r
        density = (LAM * df.sum() - (n - 1 + LAM) * df.trace()) / (n * (n - 1))
        return density + r.pow(2).sum() / (2 * n)

    @staticmethod
    def resc(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
        ids = r.argmax(1)
        members = F.one_hot(ids, r.shape[1]).float()
        centroids = (members.T @ v.detach()) / members.sum(0).clamp(min=1)[:, None]
        weights = torch.exp(-GAMMA * torch.cdist(centroids, centroids).pow(2))
        logits = torch.exp(u @ F.normalize(centroids, dim=1).T / TAU)  # (n, K)
        positive = logits.gather(1, ids[:, None]).squeeze(1)
        negatives = (logits * weights[ids]).sum(1) - positive * weights[ids, ids]
        return -torch.log(positive / (positive + negatives)).mean()


def dense_estimate_gib(n: int) -> float:
    return DENSE_MATRICES * n * n * 4 / 2**30


# --- one worker: a graph and an implementation ----------------------------------------------
def load_graph(args: argparse.Namespace) -> tuple[Tensor, Tensor, Tensor | None, str]:
    if args.graph == "physics":
        from graphcl.data import load_dataset

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from common import use_default_mirror

        use_default_mirror()
        data = load_dataset("coauthor_physics", progress=False)
        graph = data.graph  # type: ignore[union-attr]
        return graph.x.float(), graph.edge_index, None, "coauthor_physics"
    n = int(args.graph)
    x, edge_index, assignment = planted_graph(
        n, args.community_size, args.degree, args.p_in, args.dim, args.seed
    )
    return x, edge_index, assignment, f"planted {n}"


def worker(args: argparse.Namespace) -> None:
    from torch_geometric.data import Data

    from graphcl.data.community_plan import CommunityBatchPlan
    from graphcl.data.plans import FullGraphPlan
    from graphcl.methods import build as build_method
    from graphcl.runtime.step_context import StepContext

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    x, edge_index, assignment, name = load_graph(args)
    n = x.shape[0]
    record: dict[str, Any] = dict(
        graph=name, nodes=n, edges=int(edge_index.shape[1]), impl=args.impl, steps=1
    )
    if args.impl == "dense":
        estimate = dense_estimate_gib(n)
        record["estimate_gib"] = estimate
        if estimate > args.memory_limit:
            limit = args.memory_limit
            emit(**record, status=f"refused: needs ~{estimate:.1f} GiB > limit {limit:.1f} GiB")
            return
        model: nn.Module = DenseGCooL(x.shape[1], args.hidden, args.communities)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def epoch_run(epoch: int, warm: bool = False) -> int:
            optimizer.zero_grad(set_to_none=True)
            model(x, edge_index, epoch).backward()
            optimizer.step()
            return 1

        rss_before = rss_mib()
    else:
        graph = Data(x=x, edge_index=edge_index, num_nodes=n)
        started = time.perf_counter()
        if args.impl == "communities":
            plan: Any = CommunityBatchPlan(
                graph,
                args.batch,
                seed=args.seed,
                assignment=None if args.detect_louvain else assignment,
                halo_hops=args.halo_hops,
            )
            record["plan_s"] = time.perf_counter() - started
            record["detect_s"] = plan.detect_seconds
            record["communities"] = plan.num_communities
        else:
            plan = FullGraphPlan(graph)
        from graphcl.data.node_dataset import NodeDataset

        info = NodeDataset.from_graph(graph, name).info
        model = build_method(
            "gcool",
            encoder={"name": "gcn", "num_layers": 2, "hidden": args.hidden},
            featurizer=None,
            features=info.features,
            views=VIEWS,
            num_communities=args.communities,
            tau=TAU,
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        record["steps"] = plan.steps(1)
        step = [0]

        def epoch_run(epoch: int, warm: bool = False) -> int:
            total, done = plan.steps(epoch), 0
            for batch in plan.batches(epoch):
                context = StepContext(
                    step=step[0],
                    epoch=epoch,
                    epochs=args.epochs,
                    total_steps=total * args.epochs,
                    generator=torch.Generator().manual_seed(step[0]),
                )
                optimizer.zero_grad(set_to_none=True)
                model(batch, context).backward()
                optimizer.step()
                step[0] += 1
                done += 1
                if warm or done == args.max_steps:
                    break
            return done

        rss_before = rss_mib()
    peak_ok = reset_peak()
    try:
        start = time.perf_counter()
        epoch_run(1, warm=True)  # warm-up: one step
        record["first_step_s"] = time.perf_counter() - start
        start, timed = time.perf_counter(), 0
        for epoch in range(1, args.epochs + 1):
            timed += epoch_run(epoch)
        seconds = time.perf_counter() - start
        # seconds per epoch: measured, or extrapolated from the --max-steps steps timed
        seconds = seconds / timed * record["steps"] if timed else float("nan")
        if timed and timed < record["steps"] * args.epochs:
            record["extrapolated_from"] = timed
    except (MemoryError, RuntimeError) as error:
        if isinstance(error, RuntimeError) and "alloc" not in str(error).lower():
            raise
        emit(**record, status=f"failed: {type(error).__name__}: {str(error)[:80]}")
        return
    emit(
        **record,
        status="ok",
        epoch_s=seconds,
        rss_before_mib=rss_before,
        peak_mib=peak_mib() if peak_ok else float("nan"),
    )


def emit(**record: Any) -> None:
    print("RESULT " + json.dumps(record), flush=True)


# --- the driver -------------------------------------------------------------------------------
def available_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 8.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs after a step")
    parser.add_argument("--physics-epochs", type=int, default=0, help="(0: one step only)")
    parser.add_argument("--batch", type=int, default=1024, help="core nodes per mini-batch")
    parser.add_argument(
        "--max-steps",
        type=int,
        default=0,
        help="time at most this many steps per epoch and extrapolate (0: whole epochs)",
    )
    parser.add_argument("--halo-hops", type=int, default=1)
    parser.add_argument("--community-size", type=int, default=500)
    parser.add_argument("--degree", type=int, default=10)
    parser.add_argument("--p-in", type=float, default=0.9)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--communities", type=int, default=10, help="K of gCooL")
    parser.add_argument("--full-max-nodes", type=int, default=20_000)
    parser.add_argument("--memory-limit", type=float, default=None, help="GiB for dense")
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--physics", action="store_true", help="add Coauthor-Physics")
    parser.add_argument(
        "--detect-louvain", action="store_true", help="Louvain (networkx) instead of planted"
    )
    parser.add_argument(
        "--impls", nargs="+", default=["communities", "full", "dense"], help="what to run"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--graph", help=argparse.SUPPRESS)
    parser.add_argument("--impl", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_limit is None:
        args.memory_limit = available_gib() / 2
    if args.worker:
        worker(args)
        return
    print(
        f"torch {torch.__version__}, {os.cpu_count()} CPUs, {args.threads} threads, "
        f"load average {os.getloadavg()}, dense limit {args.memory_limit:.1f} GiB"
    )
    cases: list[tuple[str, str]] = []
    for n in args.sizes:
        cases.append((str(n), "communities"))
        if n <= args.full_max_nodes:
            cases.append((str(n), "full"))
        cases.append((str(n), "dense"))
    if args.physics:
        cases += [("physics", "full"), ("physics", "dense")]
    cases = [(graph, impl) for graph, impl in cases if impl in args.impls]
    records = []
    for graph, impl in cases:
        record = run_worker(args, graph, impl)
        records.append(record)
        print_row(record)
    print(f"load average at the end {os.getloadavg()}")


def run_worker(args: argparse.Namespace, graph: str, impl: str) -> dict[str, Any]:
    """One case in a fresh process (so that its peak memory is its own)."""
    command = [sys.executable, __file__, "--worker", "--graph", graph, "--impl", impl]
    epochs = args.physics_epochs if graph == "physics" else args.epochs
    command += ["--epochs", str(epochs)]
    for key in (
        "batch", "halo_hops", "community_size", "degree", "p_in", "dim", "hidden",
        "communities", "memory_limit", "threads", "seed", "max_steps",
    ):  # fmt: skip
        command += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    if args.detect_louvain:
        command.append("--detect-louvain")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        reason = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return {"graph": graph, "impl": impl, "status": f"crashed: {reason[0][:100]}"}
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    return result


HEADER = (
    f"{'graph':>17} {'nodes':>8} {'edges':>9} {'impl':>12} {'steps':>5} {'1st step s':>10} "
    f"{'s/epoch':>8} "
    f"{'RSS before':>10} {'peak RSS':>9} {'dense est.':>10}  status"
)
_printed = [False]


def print_row(r: dict[str, Any]) -> None:
    if not _printed[0]:
        print("\n" + HEADER)
        _printed[0] = True
    estimate = f"{r['estimate_gib']:.1f} GiB" if "estimate_gib" in r else ""
    epoch = f"{r['epoch_s']:.2f}" if "epoch_s" in r else "-"
    first = f"{r['first_step_s']:.2f}" if "first_step_s" in r else "-"
    before = f"{r['rss_before_mib']:.0f} MiB" if "rss_before_mib" in r else "-"
    peak = f"{r['peak_mib']:.0f} MiB" if "peak_mib" in r else "-"
    status = r["status"]
    if "extrapolated_from" in r:
        status += f", s/epoch from {r['extrapolated_from']} steps"
    if "detect_s" in r:
        status += f" (plan {r['plan_s']:.1f} s, detect {r['detect_s']:.1f} s, "
        status += f"{r['communities']} communities)"
    print(
        f"{r['graph']:>17} {r.get('nodes', ''):>8} {r.get('edges', ''):>9} {r['impl']:>12} "
        f"{r.get('steps', ''):>5} {first:>10} {epoch:>8} {before:>10} {peak:>9} {estimate:>10}"
        f"  {status}",
        flush=True,
    )


if __name__ == "__main__":
    main()
