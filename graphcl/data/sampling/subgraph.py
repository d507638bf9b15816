"""The result of neighbour sampling, and its conversion to a PyG ``Data`` / ``HeteroData``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData

from graphcl.data.sampling.csr import GraphLayout, exclusive_cumsum, repeat_segments


def _gather(value: Any, index: Tensor, cat_dim: int) -> Any:
    """Rows ``index`` of a node- or edge-level attribute along its concatenation dimension."""
    if isinstance(value, Tensor):
        return value.index_select(cat_dim, index)
    if isinstance(value, np.ndarray):
        return np.take(value, index.numpy(), axis=cat_dim)
    if isinstance(value, (list, tuple)):
        picked = [value[i] for i in index.tolist()]
        return type(value)(picked) if isinstance(value, tuple) else picked
    return value


def _cat_dim(store: Any, key: str, value: Any) -> int:
    """The dimension along which PyG concatenates (and so indexes) attribute ``key``."""
    cat_dim = store._parent().__cat_dim__(key, value, store)
    return int(cat_dim) if cat_dim is not None else 0


def _copy_attributes(
    source: Any, target: Any, node_index: Tensor | None, edge_index: Tensor | None
) -> None:
    """Every attribute of one PyG store into ``target``: node-level ones gathered at
    ``node_index``, edge-level ones at ``edge_index``, the others (graph-level) as they are."""
    for key in list(source.keys()):
        if key in ("edge_index", "num_nodes"):
            continue
        value = source[key]
        if node_index is not None and source.is_node_attr(key):
            target[key] = _gather(value, node_index, _cat_dim(source, key, value))
        elif edge_index is not None and source.is_edge_attr(key):
            target[key] = _gather(value, edge_index, _cat_dim(source, key, value))
        else:
            target[key] = value


@dataclass(eq=False)
class SampledSubgraph:
    """Nodes and edges drawn around a batch of seed nodes, as PyG's samplers return them.

    Node and edge ids are *global* ids of the graph's homogeneous view (see
    :class:`~graphcl.data.sampling.GraphLayout`; for a ``Data`` they are the graph's own ids).
    Nodes come seeds first, in the order given, then the nodes found at each hop in discovery
    order; each node appears once. Edges come hop by hop; each points from a sampled neighbour to
    the frontier node that sampled it (message direction, as ``edge_index`` in PyG).

    Attributes:
        node_ids: global id of each local node. Shape: (n,).
        edge_index: edges in local node ids (rows of ``node_ids``). Shape: (2, m).
        edge_ids: global id of each sampled edge, to gather edge attributes. Shape: (m,).
        num_sampled_nodes: nodes added per hop, the seeds first (``len(fanouts) + 1`` entries).
        num_sampled_edges: edges sampled per hop (``len(fanouts)`` entries).
        batch_size: number of seeds (the first ``batch_size`` local nodes).
        layout: node and edge types of the graph sampled from.
    """

    node_ids: Tensor
    edge_index: Tensor
    edge_ids: Tensor
    num_sampled_nodes: list[int]
    num_sampled_edges: list[int]
    batch_size: int
    layout: GraphLayout = field(repr=False)

    @property
    def num_nodes(self) -> int:
        """Number of sampled nodes."""
        return int(self.node_ids.numel())

    @property
    def num_edges(self) -> int:
        """Number of sampled edges."""
        return int(self.edge_ids.numel())

    def to_data(self, data: Data | HeteroData) -> Data | HeteroData:
        """The subgraph as PyG data, with every attribute of ``data`` gathered.

        Node-level attributes (``x``, ``y``, masks ...) are gathered at ``n_id``, edge-level ones
        (``edge_attr``, edge labels ...) at ``e_id``; graph-level ones are copied. Which is which
        follows PyG's ``is_node_attr`` / ``is_edge_attr`` (tensors, arrays, lists and tuples whose
        length along the concatenation dimension is the node or edge count); other objects, such
        as a lazy sequence of pin names, are copied as they are (index them with ``n_id``). As PyG's
        loaders, the result carries ``n_id``, ``e_id``, ``batch_size``, ``num_sampled_nodes`` and
        ``num_sampled_edges``; for a ``HeteroData`` these are per node type (``out["pin"].n_id``,
        ``out["pin"].batch_size`` = seeds of that type, which come first) and per edge type
        (``out["pin", "to", "net"].e_id``), with ids local to each type as in ``data``.

        Args:
            data: the graph that was sampled (the one the CSR was built from).

        Example:
            >>> import torch
            >>> from torch_geometric.data import Data
            >>> from graphcl.data.sampling import CSRGraph, sample_neighbors
            >>> data = Data(x=torch.arange(4.0).view(4, 1), edge_index=torch.tensor([[1, 2, 3], [0, 0, 1]]))
            >>> sub = sample_neighbors(CSRGraph.from_data(data), torch.tensor([0]), [-1])
            >>> out = sub.to_data(data)
            >>> out.n_id.tolist(), out.x.view(-1).tolist(), out.edge_index.tolist()
            ([0, 1, 2], [0.0, 1.0, 2.0], [[1, 2], [0, 0]])
        """  # noqa: E501
        if isinstance(data, HeteroData):
            return self._to_hetero(data)[0]
        out = Data()
        _copy_attributes(data._store, out, self.node_ids, self.edge_ids)
        out.edge_index = self.edge_index
        out.num_nodes = self.num_nodes
        out.n_id = self.node_ids
        out.e_id = self.edge_ids
        out.batch_size = self.batch_size
        out.num_sampled_nodes = list(self.num_sampled_nodes)
        out.num_sampled_edges = list(self.num_sampled_edges)
        return out

    def type_local_index(self) -> tuple[Tensor, Tensor]:
        """Node type of each local node and its index among the local nodes of its type.

        The nodes of each type keep their relative order, so each type's seeds come first.

        Shape:
            returns two (n,) int64 tensors.
        """
        node_type = self.layout.node_type_of(self.node_ids)
        counts = torch.bincount(node_type, minlength=len(self.layout.node_types))
        order = torch.sort(node_type, stable=True).indices
        local = torch.empty_like(order)
        local[order] = torch.arange(order.numel()) - exclusive_cumsum(counts)[node_type[order]]
        return node_type, local

    def _to_hetero(self, data: HeteroData) -> tuple[HeteroData, Tensor]:
        layout = self.layout
        num_types, num_relations = len(layout.node_types), layout.num_relations
        node_type, local = self.type_local_index()
        node_order = torch.sort(node_type, stable=True).indices
        node_counts = torch.bincount(node_type, minlength=num_types)
        node_start = exclusive_cumsum(node_counts)
        node_hop = repeat_segments(
            torch.tensor(self.num_sampled_nodes, dtype=torch.long), self.num_nodes
        )
        per_hop_nodes = torch.bincount(
            node_hop * num_types + node_type, minlength=len(self.num_sampled_nodes) * num_types
        ).view(-1, num_types)

        edge_type = layout.edge_type_of(self.edge_ids)
        edge_order = torch.sort(edge_type, stable=True).indices
        edge_counts = torch.bincount(edge_type, minlength=num_relations)
        edge_start = exclusive_cumsum(edge_counts)
        edge_hop = repeat_segments(
            torch.tensor(self.num_sampled_edges, dtype=torch.long), self.num_edges
        )
        per_hop_edges = torch.bincount(
            edge_hop * num_relations + edge_type,
            minlength=len(self.num_sampled_edges) * num_relations,
        ).view(-1, num_relations)

        out = HeteroData()
        for key, value in data._global_store.items():
            out[key] = value
        for t, name in enumerate(layout.node_types):
            lo, hi = int(node_start[t]), int(node_start[t] + node_counts[t])
            n_id = self.node_ids[node_order[lo:hi]] - layout.node_offset[t]
            store = out[name]
            _copy_attributes(data[name], store, n_id, None)
            store.num_nodes = hi - lo
            store.n_id = n_id
            store.batch_size = int(per_hop_nodes[0, t])
            store.num_sampled_nodes = per_hop_nodes[:, t].tolist()
        for r, edge_kind in enumerate(layout.edge_types):
            lo, hi = int(edge_start[r]), int(edge_start[r] + edge_counts[r])
            picked = edge_order[lo:hi]
            e_id = self.edge_ids[picked] - layout.edge_offset[r]
            store = out[edge_kind]
            _copy_attributes(data[edge_kind], store, None, e_id)
            store.edge_index = local[self.edge_index[:, picked]]
            store.e_id = e_id
            store.num_sampled_edges = per_hop_edges[:, r].tolist()
        return out, local
