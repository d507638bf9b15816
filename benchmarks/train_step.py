"""Pre-training throughput: GraphCL steps (two views, GIN 5x300, batch 256, forward + backward +
Adam step) per second, and the share of the step spent making the views.

Rows, in the same run on the same batches:

* ``graphcl``: the GIN of :mod:`graphcl.encoders.gin` (sparse adjacency product, bond-category
  counts) with graphcl's batched augmentations, float32;
* ``graphcl bf16``: the same under bfloat16 autocast (``pretrain.train.amp: true``);
* ``baseline``: the straightforward PyG message-passing GIN of pretrain-gnns / GraphCL (gather an
  (E, 300) message tensor, add the bond embeddings, scatter-add), written here, float32.

Two view settings: the molecular recipe's pair (node dropping + subgraph, ratio 0.2, views keep
80% of the atoms) and full-size views (attribute masking on both sides: every atom and bond
kept). ``molecules/s`` counts the molecules of the batch; ``encoded graphs/s`` counts the graphs
through the encoder (two views per molecule). The augmentation share is the time to make the two
views over the time of the whole step (best of three passes each).

``--workers N`` adds a table of whole training steps fed by the trainer's batch plan (collation
from the dataset included), with collation in the main process and in ``N`` DataLoader workers.

Usage: python benchmarks/train_step.py [--batches 10] [--threads 2] [--device cpu|cuda]
[--workers 2]
Molecules: ZINC250k from the mirror ($GRAPHCL_DATA_MIRROR or ../shared/data) or a verified
download; with --embedded, the NCI set shipped in RDKit. Target (issue 3): at least 650 graphs/s
with full-size views on 2 CPU threads, augmentation under 10% of the step.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
from common import benchmark_molecules
from torch import Tensor
from torch_geometric.data import Batch
from torch_geometric.nn import MessagePassing

from graphcl.data import GraphSetPlan
from graphcl.encoders import (
    CategoricalEmbedding,
    ConvStackEncoder,
    MessagePassingLayer,
    with_self_loops,
)
from graphcl.featurization import BOND_SPECIAL_TOKENS
from graphcl.methods import StepContext
from graphcl.methods import build as build_method
from graphcl.methods.graphcl_method import GraphCL

BATCH = 256
ENCODER = {"name": "gin", "num_layers": 5, "hidden": 300, "dropout": 0.0}
VIEWS: dict[str, list[dict[str, Any]]] = {
    "node_drop + subgraph": [
        {"name": "node_drop", "ratio": 0.2},
        {"name": "subgraph", "ratio": 0.2},
    ],
    "full-size (attr_mask x2)": [
        {"name": "attr_mask", "ratio": 0.2},
        {"name": "attr_mask", "ratio": 0.2},
    ],
}


# --- the baseline: pretrain-gnns' message-passing GIN layer ------------------------------------
class _Add(MessagePassing):
    def __init__(self) -> None:
        super().__init__(aggr="add")

    def forward(self, x: Tensor, edge_index: Tensor, embedded: Tensor) -> Tensor:
        out: Tensor = self.propagate(edge_index, x=x, embedded=embedded)
        return out

    def message(self, x_j: Tensor, embedded: Tensor) -> Tensor:
        return x_j + embedded


class MessagePassingGINConv(MessagePassingLayer):
    """``MLP(sum_j (h_j + e_ji))`` by gathering messages per edge and scatter-adding them."""

    def __init__(self, hidden: int, bond_dims: Sequence[int]) -> None:
        super().__init__()
        self.add = _Add()
        self.bond_dims = tuple(bond_dims)
        self.bond_embedding = CategoricalEmbedding(bond_dims, hidden, BOND_SPECIAL_TOKENS)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(hidden, 2 * hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(2 * hidden, hidden),
        )

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        edge_index, edge_attr = with_self_loops(edge_index, edge_attr, self.bond_dims, x.shape[0])
        embedded = self.bond_embedding(edge_attr)
        out: Tensor = self.mlp(self.add(x, edge_index, embedded))
        return out


def baseline_gin(encoder: ConvStackEncoder) -> ConvStackEncoder:
    """``encoder`` (GIN 5x300) with pretrain-gnns' message-passing layers instead of graphcl's."""
    bond_dims = encoder.edge_features.dims
    encoder.convs = torch.nn.ModuleList(MessagePassingGINConv(300, bond_dims) for _ in range(5))
    return encoder


# --- measurement -------------------------------------------------------------------------------
def best_seconds(
    batches: list[Batch], work: Callable[[Batch], object], sync: Callable[[], None]
) -> float:
    """Best of three passes over ``batches`` (after one warm-up batch)."""
    work(batches[0])
    best = float("inf")
    for _ in range(3):
        sync()
        start = time.perf_counter()
        for batch in batches:
            work(batch)
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def measure(
    method: GraphCL, batches: list[Batch], device: torch.device, amp: bool
) -> tuple[float, float]:
    """Seconds per pass of full training steps and of view-making alone."""
    step, sync = training_step(method, device, amp)
    generator = torch.Generator(device=device).manual_seed(0)

    def views(batch: Batch) -> None:
        for view in method.views:
            view(batch, generator)

    return best_seconds(batches, step, sync), best_seconds(batches, views, sync)


def training_step(
    method: GraphCL, device: torch.device, amp: bool
) -> tuple[Callable[[Batch], None], Callable[[], None]]:
    """One forward + backward + Adam step of ``method`` on a batch, and a device sync."""
    optimizer = torch.optim.Adam(method.parameters(), lr=1e-3)
    context = StepContext.single(torch.Generator(device=device).manual_seed(0))
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def step(batch: Batch) -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss = method(batch, context)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step, sync


def plan_throughput(
    dataset: Any, steps: int, workers: int, device: torch.device, dims: Any
) -> float:
    """Molecules per second of whole steps fed by the trainer's batch plan (collation from the
    dataset included), best of two passes."""
    torch.manual_seed(0)
    method = build_method("graphcl", encoder=ENCODER, featurizer="ogb", dims=dims).to(device)
    assert isinstance(method, GraphCL)
    step, sync = training_step(method, device, amp=False)
    plan = GraphSetPlan(dataset, BATCH, num_workers=workers, pin_memory=device.type == "cuda")
    best = float("inf")
    for epoch in (1, 2):
        start = time.perf_counter()
        for index, batch in enumerate(plan.batches(epoch)):
            step(batch.to(device))
            if index + 1 == steps:
                break
        sync()
        best = min(best, time.perf_counter() - start)
    return BATCH * steps / best


def gpu_utilisation(batches: list[Batch], dims: Any, device: torch.device) -> str:
    """Mean of ``torch.cuda.utilization`` sampled every 50 ms over 20 s of bf16 steps."""
    try:
        torch.cuda.utilization(device)
    except Exception as exc:  # pynvml missing
        return f"not available ({exc})"
    method = build_method("graphcl", encoder=ENCODER, featurizer="ogb", dims=dims).to(device)
    assert isinstance(method, GraphCL)
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            samples.append(torch.cuda.utilization(device))

    thread = threading.Thread(target=sample)
    thread.start()
    deadline = time.perf_counter() + 20
    while time.perf_counter() < deadline:
        measure(method, batches, device, amp=True)
    done.set()
    thread.join()
    return f"{sum(samples) / max(len(samples), 1):.0f}% ({len(samples)} samples)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--embedded", action="store_true", help="use NCI-5K from RDKit")
    parser.add_argument(
        "--workers", type=int, default=0, help="also time steps fed by N DataLoader workers"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dataset = benchmark_molecules(args.embedded)
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(0))
    chunks = order[: BATCH * args.batches].split(BATCH)
    batches = [dataset.collate(chunk).to(device) for chunk in chunks]
    atoms = sum(b.num_nodes for b in batches) / (BATCH * len(batches))
    where = f"{args.threads} CPU threads" if device.type == "cpu" else torch.cuda.get_device_name()
    print(
        f"\nGraphCL steps, GIN 5x300, {len(batches)} batches of {BATCH} {dataset.name} "
        f"molecules ({atoms:.1f} atoms each), {where}\n"
    )
    print(
        f"| {'views':<24} | {'encoder':<13} | {'molecules/s':>11} | {'encoded graphs/s':>16} "
        f"| {'augmentation':>12} | {'vs baseline':>11} |"
    )
    print(f"|{'-' * 26}|{'-' * 15}|{'-' * 13}|{'-' * 18}|{'-' * 14}|{'-' * 13}|")
    dims = dataset.info.dims
    encoder = ENCODER
    for label, augmentations in VIEWS.items():
        rows: list[tuple[str, float, float]] = []
        for name, amp in (("baseline", False), ("graphcl", False), ("graphcl bf16", True)):
            torch.manual_seed(0)
            method = build_method(
                "graphcl", encoder=encoder, featurizer="ogb", dims=dims, augmentations=augmentations
            )
            assert isinstance(method, GraphCL)
            if name == "baseline":
                assert isinstance(method.encoder, ConvStackEncoder)
                method.encoder = baseline_gin(method.encoder)
            method.to(device)
            step, views = measure(method, batches, device, amp)
            rows.append((name, step, views))
        baseline = rows[0][1]
        for name, step, views in rows:
            molecules = BATCH * len(batches) / step
            print(
                f"| {label:<24} | {name:<13} | {molecules:>11,.0f} | {2 * molecules:>16,.0f} "
                f"| {100 * views / step:>11.1f}% | {baseline / step:>10.2f}x |"
            )
    if args.workers:
        print("\n| collation | molecules/s (steps fed by the batch plan) |\n|---|---|")
        for workers in (0, args.workers):
            where = "main process" if workers == 0 else f"{workers} DataLoader workers"
            rate = plan_throughput(dataset, args.batches, workers, device, dims)
            print(f"| {where} | {rate:,.0f} |")
    if device.type == "cuda":
        print(f"\nGPU utilisation while stepping: {gpu_utilisation(batches, dims, device)}")


if __name__ == "__main__":
    main()
