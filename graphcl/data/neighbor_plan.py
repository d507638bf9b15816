"""Neighbour-sampled mini-batches of one large graph (``batching: neighbors``).

GraphSAGE's mini-batches (Hamilton et al., NeurIPS 2017) as a batch plan: every epoch the nodes
are shuffled with a generator seeded from ``(seed, epoch)`` and cut into global batches of
``batch_size * world_size`` seed nodes, of which rank ``r`` takes the ``r``-th slice (as
:class:`~graphcl.data.plans.NodeBatchPlan`). Each batch is its seeds plus their sampled
``len(fanouts)``-hop incoming neighbourhood, drawn by the pure-torch sampler
(:class:`~graphcl.data.sampling.NeighborLoader`, :func:`~graphcl.data.sampling.sample_neighbors`)
from a generator seeded from ``(seed, epoch, batch, rank)``, so the batches do not depend on how many
batches were drawn before (a resumed run sees the same ones).

The batch holds the sampled edges only (each from a sampled neighbour to the frontier node that
drew it, as PyG's ``NeighborLoader``); the seeds come first and ``center_mask`` marks them, so
methods count the loss over the seeds and use the neighbours as message-passing context.

Example:
    >>> import torch
    >>> from torch_geometric.data import Data
    >>> edges = torch.randint(0, 100, (2, 400))
    >>> graph = Data(x=torch.randn(100, 8), edge_index=torch.cat([edges, edges.flip(0)], 1))
    >>> plan = NeighborBatchPlan(graph, 32, fanouts=(5, 5))
    >>> batches = list(plan.batches(1))
    >>> plan.steps(1), sorted(torch.cat([b.n_id[b.center_mask] for b in batches]).tolist()) == list(range(100))
    (4, True)
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data

from graphcl.data.plans import epoch_order, global_batches, mix_seed
from graphcl.data.sampling import NeighborLoader
from graphcl.errors import RecipeError
from graphcl.threads import single_threaded

#: Default fan-out: 10 neighbours per node, 2 hops (a 2-layer encoder).
DEFAULT_FANOUTS = (10, 10)


class NeighborBatchPlan:
    """One large graph in seeded batches of seed nodes with their sampled neighbourhood.

    Every batch is a ``Data`` with the graph's node- and edge-level attributes gathered, ``n_id``
    (global node ids, the seeds first), ``e_id`` (global edge ids), ``center_mask`` (True for the
    seeds), ``batch_size`` (number of seeds) and ``num_sampled_nodes`` / ``num_sampled_edges``
    (per hop). Every node is a seed exactly once per epoch (the last, smaller batch is dropped
    with several processes or ``drop_last``).

    Args:
        graph: the graph (PyG ``Data``; ``edge_index`` (2, E) with both directions of undirected
            edges).
        batch_size: seed nodes per batch per process.
        seed: seed of the per-epoch node order and the sampling.
        rank, world_size: this process's slice of every global batch.
        fanouts: per hop, incoming edges drawn per frontier node (``-1``: all of them).
        replace: draw neighbours with replacement.
        drop_last: drop an incomplete last batch (always with several processes).

    Raises:
        RecipeError: bad fanouts.
        ValueError: a bad batch size, or fewer nodes than one batch per process.
    """

    unit = "nodes"

    def __init__(
        self,
        graph: Data,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        fanouts: Sequence[int] = DEFAULT_FANOUTS,
        replace: bool = False,
        drop_last: bool = False,
    ) -> None:
        self.check_args(fanouts=fanouts)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        self.graph = graph
        self.num_nodes = int(graph.num_nodes)
        self.batch_size = batch_size
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.fanouts = tuple(int(k) for k in fanouts)
        self.drop_last = drop_last or world_size > 1
        #: the sampler (its CSR is built once, on the first batch).
        self.loader = NeighborLoader(
            graph, fanouts=self.fanouts, batch_size=batch_size, replace=replace, seed=seed
        )
        if self.steps(1) == 0:
            raise ValueError(
                f"{self.num_nodes} nodes are fewer than one batch of {batch_size} x "
                f"{world_size} processes"
            )

    @staticmethod
    def check_args(fanouts: Sequence[int] = DEFAULT_FANOUTS) -> None:
        """Check option values without a graph (recipes are checked before data is loaded).

        Raises:
            RecipeError: the first bad option, its message starting with the option's name.
        """
        values = list(fanouts)
        if not values or any(isinstance(k, bool) or not isinstance(k, int) for k in values):
            raise RecipeError(f"fanouts must be a non-empty list of integers, got {fanouts!r}")
        if any(k < -1 or k == 0 for k in values):
            raise RecipeError(f"fanouts must be >= 1, or -1 for all neighbours; got {fanouts!r}")

    def steps(self, epoch: int) -> int:
        full, rest = divmod(self.num_nodes, self.batch_size * self.world_size)
        return full + (1 if rest and not self.drop_last else 0)

    def seed_batches(self, epoch: int) -> list[tuple[int, Tensor]]:
        """This process's seeds of ``epoch``: (index of the global batch, seed node ids)."""
        order = epoch_order(self.num_nodes, epoch, self.seed)
        batches = global_batches(order, self.batch_size, self.rank, self.world_size, self.drop_last)
        return [(i, torch.tensor(nodes, dtype=torch.long)) for i, nodes in enumerate(batches)]

    def batch(self, seeds: Tensor, generator: torch.Generator | None = None) -> Data:
        """The seeds ``seeds`` with their sampled neighbourhood.

        Shape:
            seeds (b,) distinct global ids -> a ``Data`` of n >= b nodes, the seeds first.
        """
        out = self.loader.batch(seeds, generator)
        assert isinstance(out, Data)
        del out.input_id  # the seeds' positions among all nodes: their ids, as n_id[:b]
        center = torch.zeros(out.num_nodes, dtype=torch.bool)
        center[: seeds.numel()] = True
        out.center_mask = center
        return out

    def batches(self, epoch: int) -> Iterator[Data]:
        for index, seeds in self.seed_batches(epoch):
            generator = torch.Generator().manual_seed(
                mix_seed(self.seed, epoch, index, self.rank, 11)
            )
            with single_threaded():
                batch = self.batch(seeds, generator)
            yield batch

    def size(self, batch: Any) -> int:
        """Seed nodes of a batch (sampled neighbours are context, not examples)."""
        return int(batch.center_mask.sum())

    def __repr__(self) -> str:
        return (
            f"NeighborBatchPlan(nodes={self.num_nodes}, batch_size={self.batch_size}, "
            f"fanouts={list(self.fanouts)}, world_size={self.world_size})"
        )
