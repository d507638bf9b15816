"""Mini-batch loaders over one large graph: node-level and link-level neighbour sampling.

Pure-torch replacements for PyG's ``NeighborLoader`` and ``LinkNeighborLoader`` (which need
pyg-lib or torch-sparse to sample). Both take a ``Data`` or a ``HeteroData`` (e.g. a circuit with
``device``, ``pin`` and ``net`` nodes), build the incoming-neighbour CSR once (O(E) memory), and
yield subgraphs built by :func:`~graphcl.data.sampling.sample_neighbors`, each with every node-
and edge-level attribute gathered (O(sampled edges) per batch).

Randomness: an epoch's shuffling and sampling come from one ``torch.Generator`` seeded from
``(seed, epoch)``. The epoch advances each time iteration starts, and ``set_epoch(e)`` sets the
one the next iteration uses, so runs are reproducible and epochs differ. Given a ``generator``
instead, the loader draws from it (no per-epoch reseeding).

Full batch: with all fanouts ``-1`` and every input in one batch, the loader yields the whole
graph instead of sampling it (no CSR is built); the seeds come first, as after sampling. A GNN of
at most ``len(fanouts)`` layers gives the seeds the same outputs on both.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, TypeAlias

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData
from torch_geometric.typing import EdgeType

from graphcl.data.sampling.csr import CSRGraph, GraphLayout
from graphcl.data.sampling.neighbor import Fanouts, fanout_table, sample_neighbors
from graphcl.data.sampling.subgraph import SampledSubgraph

#: Seed nodes of a node loader: all nodes, a boolean mask or ids; for a ``HeteroData`` a node
#: type, or ``(node type, mask or ids or None)``.
InputNodes: TypeAlias = Tensor | str | tuple[str, Tensor | None] | None

#: Labelled edges of a link loader: ``(2, L)`` ids; for a ``HeteroData`` an edge type (its own
#: edges) or ``(edge type, (2, L) ids or None)``.
InputEdges: TypeAlias = Tensor | EdgeType | tuple[EdgeType, Tensor | None] | None


def whole_graph(layout: GraphLayout, data: Data | HeteroData, seeds: Tensor) -> SampledSubgraph:
    """The whole graph as one "sampled" subgraph: the seeds first, then every other node by id.

    Shape:
        seeds: (B,) distinct global ids; the result has every node and edge of ``data``
        (``edge_ids`` = 0 .. E - 1).
    """
    num_nodes = layout.num_nodes
    is_seed = torch.zeros(num_nodes, dtype=torch.bool)
    is_seed[seeds] = True
    node_ids = torch.cat([seeds, (~is_seed).nonzero().view(-1)])
    if node_ids.numel() != num_nodes:
        raise ValueError("seeds must be distinct node ids")
    local = torch.empty(num_nodes, dtype=torch.long)
    local[node_ids] = torch.arange(num_nodes)
    edge_index = local[layout.global_edge_index(data)]
    return SampledSubgraph(
        node_ids=node_ids,
        edge_index=edge_index,
        edge_ids=torch.arange(edge_index.size(1)),
        num_sampled_nodes=[seeds.numel(), num_nodes - seeds.numel()],
        num_sampled_edges=[edge_index.size(1)],
        batch_size=seeds.numel(),
        layout=layout,
    )


def _ids(selection: Tensor, size: int, what: str) -> Tensor:
    """Ids from a boolean mask or an id tensor, checked to be in range and distinct."""
    if not isinstance(selection, Tensor):
        raise TypeError(f"{what} must be a tensor (mask or ids), got {type(selection).__name__}")
    if selection.dtype == torch.bool:
        if selection.numel() != size:
            raise ValueError(f"{what} mask has {selection.numel()} entries for {size} nodes")
        return selection.view(-1).nonzero().view(-1)
    if selection.dtype.is_floating_point:
        raise ValueError(f"{what} must be a boolean mask or integer ids, got {selection.dtype}")
    ids = selection.long().view(-1)
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
        raise ValueError(f"{what} must lie in [0, {size})")
    if torch.unique(ids).numel() != ids.numel():
        raise ValueError(f"{what} has repeated node ids")
    return ids


class _SamplingLoader:
    """What both loaders share: fanouts, CSR, epochs, batching."""

    def __init__(
        self,
        data: Data | HeteroData,
        fanouts: Fanouts,
        batch_size: int,
        shuffle: bool,
        drop_last: bool,
        replace: bool,
        seed: int | None,
        generator: torch.Generator | None,
        full_batch: bool,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.data = data
        self.layout = GraphLayout.from_data(data)
        self.fanouts = fanout_table(self.layout, fanouts)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.replace = replace
        self.generator = generator
        self.seed = int(torch.randint(0, 2**62, ()).item()) if seed is None else int(seed)
        self.epoch = 0
        self.full_batch = (
            full_batch and self.fanouts.size(0) > 0 and bool((self.fanouts == -1).all())
        )
        self._csr: CSRGraph | None = None

    @property
    def csr(self) -> CSRGraph:
        """The incoming-neighbour CSR of the graph, built on first use."""
        if self._csr is None:
            self._csr = CSRGraph.from_data(self.data)
        return self._csr

    @property
    def num_inputs(self) -> int:
        """Number of seeds (nodes or labelled edges) per epoch."""
        raise NotImplementedError

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch`` (its shuffling and sampling)."""
        self.epoch = int(epoch)

    def epoch_generator(self, epoch: int) -> torch.Generator:
        """The generator of epoch ``epoch``, seeded from ``(seed, epoch)``."""
        state = np.random.SeedSequence([self.seed, epoch]).generate_state(2, dtype=np.uint32)
        return torch.Generator().manual_seed(int(state[0]) << 31 | int(state[1]) >> 1)

    def __len__(self) -> int:
        if self.drop_last:
            return self.num_inputs // self.batch_size
        return math.ceil(self.num_inputs / self.batch_size)

    def batch(self, input_id: Tensor, generator: torch.Generator | None = None) -> Any:
        """The mini-batch of inputs ``input_id`` (positions among this loader's inputs)."""
        raise NotImplementedError

    def _whole(self, input_id: Tensor, generator: torch.Generator | None) -> Any:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        epoch = self.epoch
        self.epoch += 1
        generator = self.generator if self.generator is not None else self.epoch_generator(epoch)
        count = self.num_inputs
        order = torch.randperm(count, generator=generator) if self.shuffle else torch.arange(count)
        if self.full_batch and len(self) == 1 and count <= self.batch_size:
            yield self._whole(order, generator)
            return
        for lo in range(0, count, self.batch_size):
            input_id = order[lo : lo + self.batch_size]
            if self.drop_last and input_id.numel() < self.batch_size:
                return
            yield self.batch(input_id, generator)


class NeighborLoader(_SamplingLoader):
    """Node-level mini-batches: each batch of seed nodes with its sampled neighbourhood.

    Like PyG's ``NeighborLoader``: every yielded ``Data`` holds the seeds as its first
    ``batch_size`` nodes, then the nodes reached in ``len(fanouts)`` hops; ``n_id`` / ``e_id``
    give the global node / edge ids, ``input_id`` the positions of the seeds among the inputs,
    and every node- and edge-level attribute is gathered (``x == data.x[n_id]``,
    ``edge_attr == data.edge_attr[e_id]``). For a ``HeteroData`` the seeds are nodes of one type
    and the batch is a ``HeteroData`` with those attributes per node and edge type.

    Each epoch visits every input node exactly once (the last batch may be smaller unless
    ``drop_last``).

    Args:
        data: the graph.
        fanouts: per hop, incoming edges drawn per frontier node (``-1``: all), the same for every
            edge type, or a mapping from every edge type to its per-hop fanouts.
        batch_size: seed nodes per batch.
        input_nodes: the seeds of an epoch: all nodes (``None``), a boolean mask or node ids; for
            a ``HeteroData`` a node type or ``(node type, mask or ids or None)``.
        shuffle: shuffle the seeds every epoch.
        drop_last: skip a final batch smaller than ``batch_size``.
        replace: sample with replacement.
        seed: seed of epoch 0 (later epochs are seeded from ``(seed, epoch)``); default: drawn
            from torch's global generator.
        generator: draw all randomness from this generator instead of ``seed``.
        full_batch: with all fanouts ``-1`` and one batch, yield the whole graph (seeds first).

    Shape:
        each batch: ``x`` (n, F), ``edge_index`` (2, m), ``n_id`` (n,), ``e_id`` (m,), with the
        seeds at ``x[:batch_size]``.

    Raises:
        ValueError: bad fanouts, batch size, or input nodes (out of range, repeated, or no node
            type named for a ``HeteroData``).

    Example:
        >>> import torch
        >>> from torch_geometric.data import Data
        >>> data = Data(x=torch.randn(100, 8), edge_index=torch.randint(0, 100, (2, 500)))
        >>> loader = NeighborLoader(data, fanouts=(10, 5), batch_size=32, seed=0)
        >>> batch = next(iter(loader))
        >>> batch.batch_size, bool((batch.x == data.x[batch.n_id]).all()), len(loader)
        (32, True, 4)
    """

    def __init__(
        self,
        data: Data | HeteroData,
        fanouts: Fanouts = (64, 64, 64, 64),
        batch_size: int = 1,
        input_nodes: InputNodes = None,
        shuffle: bool = True,
        drop_last: bool = False,
        replace: bool = False,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        full_batch: bool = True,
    ) -> None:
        super().__init__(
            data, fanouts, batch_size, shuffle, drop_last, replace, seed, generator, full_batch
        )
        layout = self.layout
        if layout.hetero:
            if isinstance(input_nodes, str):
                input_nodes = (input_nodes, None)
            if not isinstance(input_nodes, tuple):
                raise ValueError(
                    "for a HeteroData, input_nodes must name the seed node type: 'pin' or "
                    f"('pin', mask or ids); node types: {', '.join(layout.node_types)}"
                )
            self.input_type: str | None = input_nodes[0]
            type_index = layout.node_type_index(input_nodes[0])
            selection = input_nodes[1]
        else:
            if isinstance(input_nodes, (str, tuple)):
                raise ValueError("input_nodes names a node type, but data is not a HeteroData")
            self.input_type = None
            type_index, selection = 0, input_nodes
        size = layout.num_nodes_of(type_index)
        self.input_nodes = (
            torch.arange(size) if selection is None else _ids(selection, size, "input_nodes")
        )
        self._offset = int(layout.node_offset[type_index])

    @property
    def num_inputs(self) -> int:
        """Number of seed nodes per epoch."""
        return int(self.input_nodes.numel())

    def batch(
        self, input_id: Tensor, generator: torch.Generator | None = None
    ) -> Data | HeteroData:
        """The mini-batch of the seeds ``input_nodes[input_id]``, sampled with ``generator``."""
        seeds = self.input_nodes[input_id] + self._offset
        sub = sample_neighbors(self.csr, seeds, self.fanouts, generator, self.replace)
        return self._finish(sub, input_id)

    def _whole(self, input_id: Tensor, generator: torch.Generator | None) -> Data | HeteroData:
        seeds = self.input_nodes[input_id] + self._offset
        return self._finish(whole_graph(self.layout, self.data, seeds), input_id)

    def _finish(self, sub: SampledSubgraph, input_id: Tensor) -> Data | HeteroData:
        out = sub.to_data(self.data)
        if self.input_type is None:
            out.input_id = input_id
        else:
            out[self.input_type].input_id = input_id
        return out

    def __repr__(self) -> str:
        return (
            f"NeighborLoader(inputs={self.num_inputs}, batch_size={self.batch_size}, "
            f"fanouts={self.fanouts[:, 0].tolist()})"
        )


class LinkNeighborLoader(_SamplingLoader):
    """Link-level mini-batches: labelled edges with the sampled neighbourhood of their endpoints.

    Like PyG's ``LinkNeighborLoader``: the seeds of a batch are both endpoints of its labelled
    edges (and of its negative pairs), deduplicated and sorted, first in the subgraph; the batch
    carries ``edge_label_index`` in its local node ids, ``edge_label`` and ``input_id`` (positions
    of the labelled edges), besides ``n_id``, ``e_id`` and the gathered attributes. For a
    ``HeteroData`` the labelled edges have one edge type (whose end types may differ, e.g.
    ``("pin", "to", "net")``) and those fields sit on that edge type of the batch, in the local ids
    of its source and target types.

    Labels follow PyG: without ``edge_label`` the positives are labelled 1.0; with negatives
    (``neg_sampling_ratio > 0``, pairs of uniform random source and target nodes, which may
    include true edges) these are 0.0, and given integer class labels become ``label + 1`` with
    negatives 0. Each epoch visits every labelled edge exactly once. Labelled edges are not
    removed from message passing: use disjoint edge sets to avoid leaking them.

    Args:
        data: the graph.
        edge_label_index: the labelled edges, in (source, target) rows; default
            ``data.edge_index``. For a ``HeteroData``: an edge type (its edges) or
            ``(edge type, (2, L) ids or None)``.
        edge_label: a label per labelled edge.
        fanouts: per hop, incoming edges drawn per frontier node (``-1``: all), or a mapping from
            every edge type to its per-hop fanouts.
        batch_size: labelled edges per batch.
        shuffle: shuffle the labelled edges every epoch.
        drop_last: skip a final batch smaller than ``batch_size``.
        replace: sample with replacement.
        neg_sampling_ratio: negative pairs per labelled edge (``ceil(ratio * batch)`` per batch).
        seed: seed of epoch 0 (later epochs are seeded from ``(seed, epoch)``).
        generator: draw all randomness from this generator instead of ``seed``.
        full_batch: with all fanouts ``-1`` and one batch, yield the whole graph (seeds first).

    Shape:
        edge_label_index: (2, L); edge_label: (L,) or (L, C); each batch's ``edge_label_index``
        is (2, b + negatives).

    Raises:
        ValueError: labelled edges out of range or of the wrong shape, labels of the wrong
            length, float labels with negatives, or a negative ``neg_sampling_ratio``.

    Example:
        >>> import torch
        >>> from torch_geometric.data import Data
        >>> data = Data(x=torch.randn(50, 4), edge_index=torch.randint(0, 50, (2, 200)))
        >>> loader = LinkNeighborLoader(data, fanouts=(5, 5), batch_size=16, seed=0)
        >>> batch = next(iter(loader))
        >>> pairs = batch.n_id[batch.edge_label_index]
        >>> bool((pairs == data.edge_index[:, batch.input_id]).all()), batch.edge_label.shape
        (True, torch.Size([16]))
    """

    def __init__(
        self,
        data: Data | HeteroData,
        edge_label_index: InputEdges = None,
        edge_label: Tensor | None = None,
        fanouts: Fanouts = (64, 64, 64, 64),
        batch_size: int = 1,
        shuffle: bool = True,
        drop_last: bool = False,
        replace: bool = False,
        neg_sampling_ratio: float = 0.0,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        full_batch: bool = True,
    ) -> None:
        super().__init__(
            data, fanouts, batch_size, shuffle, drop_last, replace, seed, generator, full_batch
        )
        if not neg_sampling_ratio >= 0:
            raise ValueError(f"neg_sampling_ratio must be >= 0, got {neg_sampling_ratio}")
        self.neg_sampling_ratio = float(neg_sampling_ratio)
        layout = self.layout
        index: Tensor | None
        if layout.hetero:
            if _is_edge_type(edge_label_index):
                edge_label_index = (edge_label_index, None)
            if not (isinstance(edge_label_index, tuple) and len(edge_label_index) == 2):
                raise ValueError(
                    "for a HeteroData, edge_label_index must name the labelled edge type: "
                    f"('pin', 'to', 'net') or (edge type, (2, L) ids); edge types: "
                    f"{layout.edge_types}"
                )
            edge_type, index = edge_label_index
            relation = layout.edge_type_index(edge_type)
            self.label_type: EdgeType | None = layout.edge_types[relation]
            src_t, dst_t = int(layout.relation_src[relation]), int(layout.relation_dst[relation])
            if index is None:
                index = data[self.label_type].edge_index
        else:
            if isinstance(edge_label_index, tuple):
                raise ValueError("edge_label_index names an edge type, but data is not HeteroData")
            self.label_type = None
            src_t = dst_t = 0
            index = data.edge_index if edge_label_index is None else edge_label_index
        if not isinstance(index, Tensor) or index.dim() != 2 or index.size(0) != 2:
            raise ValueError("edge_label_index must be a (2, L) tensor of node ids")
        if index.dtype.is_floating_point or index.dtype == torch.bool:
            raise ValueError(f"edge_label_index must hold integer ids, got {index.dtype}")
        self.edge_label_index = index.long()
        self._sizes = (layout.num_nodes_of(src_t), layout.num_nodes_of(dst_t))
        for row, name in ((0, "source"), (1, "target")):
            ids = self.edge_label_index[row]
            if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self._sizes[row]):
                raise ValueError(
                    f"edge_label_index has {name} ids outside [0, {self._sizes[row]}) "
                    f"(the number of {layout.node_types[src_t if row == 0 else dst_t]} nodes)"
                )
        if edge_label is not None and edge_label.size(0) != self.edge_label_index.size(1):
            raise ValueError(
                f"edge_label has {edge_label.size(0)} rows for "
                f"{self.edge_label_index.size(1)} labelled edges"
            )
        if (
            edge_label is not None
            and self.neg_sampling_ratio > 0
            and edge_label.is_floating_point()
        ):
            raise ValueError(
                "with negative sampling, edge_label must hold integer class labels (negatives "
                "become class 0 and class c becomes c + 1); leave it None for a binary task"
            )
        self.edge_label = edge_label
        self._shift = torch.stack([layout.node_offset[src_t], layout.node_offset[dst_t]]).view(2, 1)

    @property
    def num_inputs(self) -> int:
        """Number of labelled edges per epoch."""
        return int(self.edge_label_index.size(1))

    def _pairs(self, input_id: Tensor, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        """The batch's labelled pairs (positives, then negatives) and their labels."""
        pairs = self.edge_label_index[:, input_id]
        positives = input_id.numel()
        label = torch.ones(positives) if self.edge_label is None else self.edge_label[input_id]
        num_neg = math.ceil(self.neg_sampling_ratio * positives)
        if num_neg > 0:
            if min(self._sizes) == 0:
                raise ValueError("cannot draw negative pairs: an endpoint node type has no nodes")
            negatives = torch.stack(
                [
                    torch.randint(0, self._sizes[0], (num_neg,), generator=generator),
                    torch.randint(0, self._sizes[1], (num_neg,), generator=generator),
                ]
            )
            pairs = torch.cat([pairs, negatives], dim=1)
            if self.edge_label is None:
                label = torch.cat([label, torch.zeros(num_neg)])
            else:
                zeros = label.new_zeros((num_neg, *label.shape[1:]))
                label = torch.cat([label + 1, zeros])
        return pairs, label

    def batch(
        self, input_id: Tensor, generator: torch.Generator | None = None
    ) -> Data | HeteroData:
        """The mini-batch of labelled edges ``input_id`` (positions in ``edge_label_index``)."""
        pairs, label = self._pairs(input_id, generator)
        seeds, inverse = torch.unique((pairs + self._shift).view(-1), return_inverse=True)
        sub = sample_neighbors(self.csr, seeds, self.fanouts, generator, self.replace)
        return self._finish(sub, inverse.view(2, -1), label, input_id)

    def _whole(self, input_id: Tensor, generator: torch.Generator | None) -> Data | HeteroData:
        pairs, label = self._pairs(input_id, generator)
        seeds, inverse = torch.unique((pairs + self._shift).view(-1), return_inverse=True)
        sub = whole_graph(self.layout, self.data, seeds)
        return self._finish(sub, inverse.view(2, -1), label, input_id)

    def _finish(
        self, sub: SampledSubgraph, local_pairs: Tensor, label: Tensor, input_id: Tensor
    ) -> Data | HeteroData:
        out = sub.to_data(self.data)
        if self.label_type is None:
            store = out
        else:
            store = out[self.label_type]
            local_pairs = sub.type_local_index()[1][local_pairs]
        store.edge_label_index = local_pairs
        store.edge_label = label
        store.input_id = input_id
        return out

    def __repr__(self) -> str:
        return (
            f"LinkNeighborLoader(labelled_edges={self.num_inputs}, batch_size={self.batch_size}, "
            f"fanouts={self.fanouts[:, 0].tolist()})"
        )


def _is_edge_type(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, (str, Tensor))
        and len(value) == 3
        and all(isinstance(part, str) for part in value)
    )
