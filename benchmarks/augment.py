"""Augmentation throughput: graphs per second to make two views of batches of 256 molecules.

For each registered augmentation, graphcl's batched implementation against a straightforward
per-graph loop (``to_data_list``, augment each ``Data`` with index operations,
``Batch.from_data_list``) written here as the baseline, in the same run on the same batches.
Target (issue 3): at least 50,000 graphs/s for two views on 2 CPU threads.

Each figure is the best of three passes over the batches. Usage:
python benchmarks/augment.py [--batches 40] [--threads 2] [--ratio 0.2] [--busy]

``--busy`` measures again beside a busy process (one core spinning, started and stopped by the
benchmark, as a DataLoader worker or a second job would): graphcl's views run single-threaded in a
scoped way (``graphcl.threads``), and the table shows them idle, busy, the ratio (target: at least
0.5) and, for comparison, the same views with torch's 2 intra-op threads left on.
Molecules: ZINC250k from the mirror ($GRAPHCL_DATA_MIRROR or ../shared/data) or a verified
download; with --embedded, the NCI set shipped in RDKit.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import torch
from common import benchmark_molecules
from torch_geometric.data import Batch, Data

from graphcl import augmentation, threads
from graphcl.augmentation import AUGMENTATIONS, Augmentation
from graphcl.augmentation.element_kg import augment_molecule_reference
from graphcl.featurization import OGBFeaturizer
from graphcl.kg import load_element_kg

BATCH = 256
ELEMENT_KG = "kcl"
MASK = list(OGBFeaturizer.atom_feature_dims)
ADDED = [d + 1 for d in OGBFeaturizer.bond_feature_dims]


def arguments(ratio: float) -> dict[str, dict]:
    return {
        "node_drop": {"ratio": ratio},
        "edge_perturb": {"ratio": ratio, "added_attr": ADDED},
        "subgraph": {"ratio": ratio},
        "attr_mask": {"ratio": ratio, "mask_value": MASK},
        "feature_noise": {"std": 0.1},
        "identity": {},
        "compose": {
            "augmentations": [
                {"name": "node_drop", "ratio": ratio},
                {"name": "attr_mask", "ratio": ratio, "mask_value": MASK},
            ]
        },
        "random_choice": {
            "augmentations": [
                {"name": "node_drop", "ratio": ratio},
                {"name": "subgraph", "ratio": ratio},
            ]
        },
        "element_kg": {"kg": ELEMENT_KG},
    }


# --- the per-graph loop baseline -------------------------------------------------------------
def _loop_node_drop(data: Data, ratio: float) -> Data:
    n = data.num_nodes
    keep = torch.randperm(n)[: n - min(int(n * ratio), n - 1)].sort().values
    return data.subgraph(keep)


def _loop_subgraph(data: Data, ratio: float) -> Data:
    n = data.num_nodes
    target = n - int(n * ratio)
    neighbours: dict[int, list[int]] = {i: [] for i in range(n)}
    for u, v in data.edge_index.T.tolist():
        neighbours[u].append(v)
    seed = random.randrange(n)
    kept, frontier = {seed}, set(neighbours[seed])
    while len(kept) < target and frontier:
        node = random.choice(sorted(frontier))
        kept.add(node)
        frontier = (frontier | set(neighbours[node])) - kept
    return data.subgraph(torch.tensor(sorted(kept)))


def _loop_attr_mask(data: Data, ratio: float) -> Data:
    out = copy.copy(data)
    out.x = data.x.clone()
    out.x[torch.randperm(data.num_nodes)[: int(data.num_nodes * ratio)]] = torch.tensor(MASK)
    return out


def _loop_edge_perturb(data: Data, ratio: float) -> Data:
    pairs = data.edge_index[:, 0::2]
    attrs = data.edge_attr[0::2]
    m, n = pairs.shape[1], data.num_nodes
    change = int(m * ratio) if n >= 2 else 0
    keep = torch.randperm(m)[change:]
    new = []
    for _ in range(change):
        u = random.randrange(n)
        v = (u + 1 + random.randrange(n - 1)) % n
        new.append((u, v))
    pairs = torch.cat([pairs[:, keep], torch.tensor(new, dtype=torch.long).view(-1, 2).T], 1)
    attrs = torch.cat([attrs[keep], torch.tensor([ADDED] * change, dtype=torch.long).view(-1, 3)])
    out = copy.copy(data)
    out.edge_index = torch.stack([pairs, pairs.flip(0)], 2).reshape(2, -1)
    out.edge_attr = attrs.repeat_interleave(2, 0)
    return out


def _loop_feature_noise(data: Data, ratio: float) -> Data:
    out = copy.copy(data)
    out.x = data.x + 0.1 * torch.randn_like(data.x)
    return out


def _loop_element_kg(data: Data, ratio: float) -> Data:
    kg = _loop_element_kg.kg  # type: ignore[attr-defined]
    atomic = (data.x[:, 0] + 1).tolist()
    entities, edges = augment_molecule_reference(
        atomic, data.edge_index.T.tolist(), kg, "attribute_to_atom"
    )
    extra = len(entities) - len(atomic)
    source, target, kind = zip(*edges, strict=True) if edges else ((), (), ())
    bonds = data.edge_attr.shape[0]
    return Data(
        x=torch.cat([data.x, data.x.new_zeros(extra, data.x.shape[1])]),
        edge_index=torch.tensor([source, target], dtype=torch.long).view(2, -1),
        edge_attr=torch.cat([data.edge_attr, data.edge_attr.new_zeros(len(edges) - bonds, 3)]),
        edge_type=torch.tensor(kind, dtype=torch.long),
        node_entity=torch.tensor(entities, dtype=torch.long),
    )


LOOPS: dict[str, Callable[[Data, float], Data]] = {
    "node_drop": _loop_node_drop,
    "subgraph": _loop_subgraph,
    "attr_mask": _loop_attr_mask,
    "edge_perturb": _loop_edge_perturb,
    "feature_noise": _loop_feature_noise,
    "identity": lambda data, ratio: data,
    "element_kg": _loop_element_kg,
}


def loop_views(batch: Batch, name: str, ratio: float) -> tuple[Batch, Batch]:
    graphs = batch.to_data_list()
    return tuple(  # type: ignore[return-value]
        Batch.from_data_list([LOOPS[name](g, ratio) for g in graphs]) for _ in range(2)
    )


# --- measurement -----------------------------------------------------------------------------
def graphs_per_second(
    batches: list[Batch], views: Callable[[Batch], object], repeats: int = 3
) -> float:
    """Best of ``repeats`` passes over ``batches`` (after a warm-up call)."""
    views(batches[0])
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for batch in batches:
            views(batch)
        best = min(best, time.perf_counter() - start)
    return BATCH * len(batches) / best


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on one core for the duration of the block."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.5)
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def contention_table(views: dict[str, Callable[[Batch], object]], data: dict[str, list]) -> None:
    """Throughput idle and beside a busy process, with and without scoped single-threading."""
    print(
        "\n| augmentation | idle graphs/s | busy graphs/s | busy / idle | busy, 2 threads "
        "unscoped |"
    )
    print("|---|---|---|---|---|")
    for name, make in views.items():
        idle = graphs_per_second(data[name], make)
        with busy_core():
            busy = graphs_per_second(data[name], make)
            threads.ENABLED = False
            try:
                unscoped = graphs_per_second(data[name], make)
            finally:
                threads.ENABLED = True
        print(f"| {name} | {idle:,.0f} | {busy:,.0f} | {busy / idle:.2f} | {unscoped:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ratio", type=float, default=0.2)
    parser.add_argument("--embedded", action="store_true", help="use NCI-5K from RDKit")
    parser.add_argument(
        "--busy", action="store_true", help="also measure beside a busy process (contention)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dataset = benchmark_molecules(args.embedded)
    _loop_element_kg.kg = load_element_kg(ELEMENT_KG)  # type: ignore[attr-defined]
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(dataset), generator=generator)[: BATCH * args.batches]
    batches = [dataset.collate(chunk) for chunk in order.split(BATCH)]
    float_batches = []
    for b in batches:
        fb = copy.copy(b)
        fb.x = b.x.float()
        float_batches.append(fb)
    atoms = sum(b.num_nodes for b in batches) / (BATCH * len(batches))
    print(
        f"\nTwo views of {len(batches)} batches of {BATCH} {dataset.name} molecules "
        f"({atoms:.1f} atoms each), ratio {args.ratio}, {args.threads} torch threads\n"
    )
    print(
        f"| {'augmentation':<14} | {'graphcl graphs/s':>16} | {'per-graph loop':>14} | "
        f"{'speed-up':>8} |"
    )
    print(f"|{'-' * 16}|{'-' * 18}|{'-' * 16}|{'-' * 10}|")
    all_views: dict[str, Callable[[Batch], object]] = {}
    all_data: dict[str, list] = {}
    for name, kwargs in arguments(args.ratio).items():
        aug: Augmentation = augmentation.build(name, **kwargs)
        data = float_batches if name == "feature_noise" else batches
        gen = torch.Generator().manual_seed(1)
        all_views[name] = lambda b, a=aug, g=gen: (a(b, g), a(b, g))
        all_data[name] = data
        ours = graphs_per_second(data, all_views[name])
        if name in LOOPS:
            random.seed(0)
            loop = graphs_per_second(
                data[:4], lambda b, n=name: loop_views(b, n, args.ratio), repeats=1
            )
            cells = f"{loop:>14,.0f} | {ours / loop:>7.1f}x"
        else:
            cells = f"{'–':>14} | {'–':>8}"
        print(f"| {name:<14} | {ours:>16,.0f} | {cells} |")
    assert set(arguments(args.ratio)) == set(AUGMENTATIONS.available())
    if args.busy:
        contention_table(all_views, all_data)


if __name__ == "__main__":
    main()
