"""Batch plans: how the trainer walks a dataset, epoch by epoch.

:class:`~graphcl.training.Trainer` takes anything that provides batches. A dataset gives its plan
through ``dataset.batch_plan(batch_size, seed=..., rank=..., world_size=...)``; a plan can also be
passed directly. A plan yields this process's batches of an epoch (each anything with
``.to(device)``), says how many there are, and counts each batch's size in its :attr:`unit`
(graphs, nodes, images ...), which progress bars and metrics report.

- :class:`GraphSetPlan`: mini-batches of many small graphs, a seeded shuffle per epoch (or a
  named batch sampler: Butina clusters, pseudo-labels), each global batch sliced by rank;
- :class:`FullGraphPlan`: one large graph, the whole graph every step;
- :class:`NodeBatchPlan`: one large graph, seeded batches of nodes, each the subgraph induced by
  its nodes.

Everything random in epoch ``e`` is drawn from ``(seed, e)``, so a resumed run sees the same
batches as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import torch
from torch import Tensor
from torch.utils.data import DataLoader
from torch_geometric.data import Data
from torch_geometric.utils import subgraph

from graphcl.errors import DatasetError
from graphcl.threads import single_threaded

if TYPE_CHECKING:
    from graphcl.data.dataset import GraphDataset


def mix_seed(*parts: int) -> int:
    """One 62-bit seed from several integers (seed, epoch, rank, purpose)."""
    value = 0
    for part in parts:
        value = (value * 1_000_003 + part) % (2**62)
    return value


@runtime_checkable
class BatchPlan(Protocol):
    """This process's batches, epoch by epoch."""

    #: what :meth:`size` counts, e.g. ``graphs`` or ``nodes`` (progress bars show ``<unit>/s``).
    unit: str

    def steps(self, epoch: int) -> int:
        """Number of batches (optimizer steps) of ``epoch`` (1-based) on this process."""

    def batches(self, epoch: int) -> Iterator[Any]:
        """The batches of ``epoch``, each with ``.to(device)``."""

    def size(self, batch: Any) -> int:
        """How many :attr:`unit` a batch holds (this process's share)."""


def epoch_order(size: int, epoch: int, seed: int) -> Tensor:
    """The seeded permutation of ``range(size)`` used in ``epoch``."""
    generator = torch.Generator().manual_seed(mix_seed(seed, epoch))
    return torch.randperm(size, generator=generator)


def global_batches(
    order: Tensor, batch_size: int, rank: int, world_size: int, drop_last: bool = True
) -> list[list[int]]:
    """``order`` cut into global batches of ``batch_size * world_size`` of which rank ``r`` takes
    the ``r``-th slice; concatenating the ranks' batches in rank order gives the single-process
    batch. Without ``drop_last`` (one process only) the last batch may be shorter."""
    global_size = batch_size * world_size
    usable = (order.numel() // global_size) * global_size
    batches = order[:usable].view(-1, world_size, batch_size)[:, rank].tolist()
    if not drop_last and usable < order.numel():
        if world_size != 1:
            raise ValueError("incomplete batches are only kept in single-process runs")
        batches.append(order[usable:].tolist())
    return batches


def _identity(batch: Any) -> Any:
    return batch


class GraphSetPlan:
    """Mini-batches of a set of graphs.

    Args:
        dataset: anything with ``__len__`` and ``collate(indices)`` (a
            :class:`~graphcl.data.dataset.GraphDataset`).
        batch_size: graphs per batch *per process*.
        seed: seed of the shuffles.
        rank, world_size: this process's slice of every global batch.
        indices: the graphs to walk (default: all).
        order: ``epoch`` (a permutation seeded from ``(seed, epoch)``, the pre-training order)
            or ``stream`` (one generator seeded once with ``seed`` whose permutations follow each
            other epoch after epoch, the fine-tuning order of pretrain-gnns scripts).
        drop_last: drop an incomplete last batch.
        keep: a filter on a batch's indices (e.g. skip batches batch norm cannot normalize).
        sampler: a named batch sampler (``butina``, ``pseudo_label``; needs SMILES) instead of
            the shuffle; ``sampler_args`` are its arguments.
        collate: turns a batch's indices into the batch (default: ``dataset.collate``).
        num_workers, pin_memory: DataLoader settings (collation in worker processes).
    """

    unit = "graphs"

    def __init__(
        self,
        dataset: GraphDataset,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        indices: Sequence[int] | Tensor | None = None,
        order: str = "epoch",
        drop_last: bool = True,
        keep: Callable[[Tensor], bool] | None = None,
        sampler: str = "random",
        sampler_args: dict[str, Any] | None = None,
        collate: Callable[[Tensor], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        if order not in ("epoch", "stream"):
            raise ValueError(f"order must be 'epoch' or 'stream', got {order!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.indices = None if indices is None else torch.as_tensor(indices, dtype=torch.long)
        self.order = order
        #: the "stream" order's generator after ``epoch`` permutations, and the last one
        self._stream: tuple[int, torch.Generator, Tensor] | None = None
        self.drop_last = drop_last
        self.keep = keep
        self.collate = collate
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.sampler = None
        if sampler != "random":
            from graphcl.data.samplers import build_sampler

            smiles = getattr(dataset, "smiles", None)
            if not smiles:
                raise DatasetError(
                    f"the {sampler!r} batch sampler groups molecules by their fingerprints and "
                    f"needs SMILES; {getattr(dataset, 'name', 'this dataset')} has none"
                )
            if self.indices is not None:
                smiles = [smiles[i] for i in self.indices.tolist()]
            self.sampler = build_sampler(
                sampler, smiles, batch_size=batch_size * world_size, **(sampler_args or {})
            )
        if drop_last and self.steps(1) == 0:
            total = len(dataset) if self.indices is None else self.indices.numel()
            raise ValueError(
                f"{total} graphs are fewer than one batch of {batch_size} x {world_size} processes"
            )

    def _size(self) -> int:
        return len(self.dataset) if self.indices is None else self.indices.numel()

    def _permutation(self, epoch: int) -> Tensor:
        if self.order == "epoch":
            return epoch_order(self._size(), epoch, self.seed)
        # the epoch-th permutation of one generator; kept between calls so that epoch after
        # epoch costs one permutation each (replaying them all was quadratic in epochs)
        if self._stream is None or self._stream[0] > epoch:
            self._stream = (0, torch.Generator().manual_seed(self.seed), torch.empty(0))
        done, generator, permutation = self._stream
        while done < epoch:
            permutation = torch.randperm(self._size(), generator=generator)
            done += 1
        self._stream = (done, generator, permutation)
        return permutation

    def index_batches(self, epoch: int) -> list[list[int]]:
        """Indices (into the dataset) of this process's batches of ``epoch``."""
        if self.sampler is not None:
            mine = slice(self.rank * self.batch_size, (self.rank + 1) * self.batch_size)
            batches = [b[mine] for b in self.sampler.batches(epoch, self.seed)]
        else:
            batches = global_batches(
                self._permutation(epoch),
                self.batch_size,
                self.rank,
                self.world_size,
                self.drop_last,
            )
        if self.indices is not None:
            batches = [self.indices[b].tolist() for b in batches]
        if self.keep is not None:
            keep = self.keep
            batches = [b for b in batches if keep(torch.tensor(b, dtype=torch.long))]
        return batches

    def steps(self, epoch: int) -> int:
        return len(self.index_batches(epoch))

    def batches(self, epoch: int) -> Iterator[Any]:
        index_batches = self.index_batches(epoch)
        if self.collate is not None:
            collate = self.collate
            for indices in index_batches:
                with single_threaded():
                    batch = collate(torch.tensor(indices, dtype=torch.long))
                yield batch
            return
        loader: DataLoader[Any] = DataLoader(
            self.dataset,
            batch_sampler=index_batches,
            collate_fn=_identity,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
        )
        iterator = iter(loader)
        while True:
            with single_threaded():  # collation in this process is many tiny operations
                batch = next(iterator, None)
            if batch is None:
                return
            yield batch

    def size(self, batch: Any) -> int:
        if isinstance(batch, Tensor):
            return int(batch.numel())
        return int(batch.num_graphs)


class FullGraphPlan:
    """One large graph, whole, at every step (one step per epoch).

    Args:
        graph: the graph (a PyG ``Data``).
        steps_per_epoch: optimizer steps per epoch (1 unless a method wants several).
    """

    unit = "nodes"

    def __init__(self, graph: Data, steps_per_epoch: int = 1) -> None:
        self.graph = graph
        self.steps_per_epoch = steps_per_epoch

    def steps(self, epoch: int) -> int:
        return self.steps_per_epoch

    def batches(self, epoch: int) -> Iterator[Data]:
        for _ in range(self.steps_per_epoch):
            yield self.graph

    def size(self, batch: Any) -> int:
        return int(batch.num_nodes)


class NodeBatchPlan:
    """One large graph in seeded batches of nodes: each batch is the subgraph induced by its
    nodes (``n_id`` holds their ids in the full graph), every node in one batch per epoch.

    Args:
        graph: the graph.
        batch_size: nodes per batch per process.
        seed: seed of the per-epoch node order.
        rank, world_size: this process's slice of every global batch.
        drop_last: drop an incomplete last batch (single-process runs may keep it).
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
        drop_last: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.graph = graph
        self.batch_size = batch_size
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.drop_last = drop_last or world_size > 1
        if self.steps(1) == 0:
            raise ValueError(
                f"{graph.num_nodes} nodes are fewer than one batch of {batch_size} x "
                f"{world_size} processes"
            )

    def steps(self, epoch: int) -> int:
        total = int(self.graph.num_nodes)
        full, rest = divmod(total, self.batch_size * self.world_size)
        return full + (1 if rest and not self.drop_last else 0)

    def induced(self, nodes: Tensor) -> Data:
        """The subgraph induced by ``nodes`` (node- and edge-level attributes gathered)."""
        graph = self.graph
        nodes = nodes.sort().values
        edge_index, _, edge_mask = subgraph(
            nodes,
            graph.edge_index,
            relabel_nodes=True,
            num_nodes=graph.num_nodes,
            return_edge_mask=True,
        )
        out = Data(edge_index=edge_index, n_id=nodes, num_nodes=nodes.numel())
        for key, value in graph.items():
            if key in ("edge_index", "num_nodes"):
                continue
            if graph.is_node_attr(key):
                out[key] = value[nodes]
            elif graph.is_edge_attr(key):
                out[key] = value[edge_mask]
            else:
                out[key] = value
        return out

    def batches(self, epoch: int) -> Iterator[Data]:
        order = epoch_order(int(self.graph.num_nodes), epoch, self.seed)
        for nodes in global_batches(
            order, self.batch_size, self.rank, self.world_size, self.drop_last
        ):
            with single_threaded():
                batch = self.induced(torch.tensor(nodes, dtype=torch.long))
            yield batch

    def size(self, batch: Any) -> int:
        return int(batch.num_nodes)
