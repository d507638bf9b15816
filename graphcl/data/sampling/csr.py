"""Incoming-neighbour CSR of a graph, homogeneous or heterogeneous, for neighbour sampling.

A heterogeneous graph (PyG ``HeteroData``, e.g. a circuit with ``device``, ``pin`` and ``net``
nodes) is sampled through a *homogeneous view*: node types are laid out one after another in a
single id space (type ``t`` owns global ids ``node_offset[t] .. node_offset[t + 1] - 1``) and
edge types likewise (edge type ``r`` owns global edge ids ``edge_offset[r] ..``). Because types
are contiguous ranges, the node- and edge-type vectors are implicit (``GraphLayout.node_type_of``
recovers them by binary search) and cost no O(N) memory.

The CSR is *segmented by relation*: a segment is one (edge type, target node) pair, so a node that
is the target of several edge types has one segment per type. This is what lets a sampler draw a
separate fanout per edge type (as PyG's ``num_neighbors`` dict does) in one vectorised pass.
Segments of edge type ``r`` are numbered ``segment_offset[r] + local target id``; a homogeneous
graph has one edge type and its segments are simply its nodes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch_geometric.data import Data, HeteroData
from torch_geometric.typing import EdgeType

#: Placeholder names a homogeneous graph uses in its one-type layout.
HOMOGENEOUS_NODE_TYPE = "node"
HOMOGENEOUS_EDGE_TYPE: EdgeType = ("node", "to", "node")

_SMALL = 1 << 16


def exclusive_cumsum(counts: Tensor) -> Tensor:
    """Offsets of consecutive runs of the given lengths.

    Shape:
        counts: (S,) integer; returns (S,) int64, ``out[i] = counts[:i].sum()``.
    """
    out = torch.zeros(counts.numel(), dtype=torch.long)
    if counts.numel() > 1:
        torch.cumsum(counts[:-1], dim=0, out=out[1:])
    return out


def repeat_segments(counts: Tensor, total: int | None = None) -> Tensor:
    """Segment index ``s`` repeated ``counts[s]`` times, as ``torch.repeat_interleave(counts)``.

    Small outputs go through a binary search instead: ``repeat_interleave`` always runs a
    parallel loop (grain size 1), which costs milliseconds per call when the CPUs are busy.

    Shape:
        counts: (S,) int64; returns (counts.sum(),) int64.
    """
    size = int(counts.sum()) if total is None else total
    if size < _SMALL:
        return torch.searchsorted(counts.cumsum(0), torch.arange(size), right=True)
    return torch.repeat_interleave(counts, output_size=size)


def _offsets(sizes: list[int]) -> Tensor:
    out = torch.zeros(len(sizes) + 1, dtype=torch.long)
    out[1:] = torch.tensor(sizes, dtype=torch.long).cumsum(0)
    return out


def _check_edge_index(edge_index: Any, num_src: int, num_dst: int, what: str) -> Tensor:
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, got {type(edge_index).__name__}")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"{what} must have shape (2, E), got {tuple(edge_index.shape)}")
    if edge_index.dtype.is_floating_point or edge_index.dtype == torch.bool:
        raise ValueError(f"{what} must hold integer node ids, got dtype {edge_index.dtype}")
    edge_index = edge_index.long()
    if edge_index.numel():
        for row, bound, end in ((0, num_src, "source"), (1, num_dst, "target")):
            low, high = int(edge_index[row].min()), int(edge_index[row].max())
            if low < 0 or high >= bound:
                raise ValueError(
                    f"{what} has {end} node ids in [{low}, {high}] but only {bound} nodes "
                    f"of that type exist"
                )
    return edge_index


@dataclass(frozen=True, eq=False)
class GraphLayout:
    """Where each node and edge type sits in the homogeneous id space of a graph.

    A homogeneous graph has one node type (``"node"``) and one edge type
    (``("node", "to", "node")``) and ``hetero`` False; then global ids are the graph's own ids.

    Attributes:
        hetero: the graph is a ``HeteroData`` (subgraphs are built as ``HeteroData``).
        node_types: node type names, in the order of their id ranges.
        edge_types: ``(source type, relation, target type)`` triples, in the order of their ids.
        node_offset: first global node id of each type, then the node count. Shape: (T + 1,).
        edge_offset: first global edge id of each edge type, then the edge count. Shape: (R + 1,).
        relation_src: source node type index of each edge type. Shape: (R,).
        relation_dst: target node type index of each edge type. Shape: (R,).
    """

    hetero: bool
    node_types: tuple[str, ...]
    edge_types: tuple[EdgeType, ...]
    node_offset: Tensor
    edge_offset: Tensor
    relation_src: Tensor
    relation_dst: Tensor

    @classmethod
    def from_data(cls, data: Data | HeteroData) -> GraphLayout:
        """The layout of a PyG ``Data`` or ``HeteroData``.

        Raises:
            ValueError: a node type whose number of nodes PyG cannot tell, or an edge type
                without ``edge_index``.
        """
        if isinstance(data, HeteroData):
            node_types = tuple(data.node_types)
            edge_types = tuple(data.edge_types)
            sizes = []
            for name in node_types:
                count = data[name].num_nodes
                if count is None:
                    raise ValueError(f"node type {name!r} has no num_nodes and no node features")
                sizes.append(int(count))
            edge_sizes = []
            for edge_type in edge_types:
                if "edge_index" not in data[edge_type]:
                    raise ValueError(f"edge type {edge_type} has no edge_index")
                edge_sizes.append(int(data[edge_type].edge_index.size(1)))
            index = {name: i for i, name in enumerate(node_types)}
            return cls(
                hetero=True,
                node_types=node_types,
                edge_types=edge_types,
                node_offset=_offsets(sizes),
                edge_offset=_offsets(edge_sizes),
                relation_src=torch.tensor([index[e[0]] for e in edge_types], dtype=torch.long),
                relation_dst=torch.tensor([index[e[2]] for e in edge_types], dtype=torch.long),
            )
        if data.edge_index is None:
            raise ValueError("data has no edge_index")
        num_nodes = data.num_nodes
        if num_nodes is None:
            raise ValueError("data has no num_nodes and no node features")
        return cls.homogeneous(int(num_nodes), int(data.edge_index.size(1)))

    @classmethod
    def homogeneous(cls, num_nodes: int, num_edges: int) -> GraphLayout:
        """The one-type layout of a plain graph with ``num_nodes`` nodes and ``num_edges`` edges."""
        zero = torch.zeros(1, dtype=torch.long)
        return cls(
            hetero=False,
            node_types=(HOMOGENEOUS_NODE_TYPE,),
            edge_types=(HOMOGENEOUS_EDGE_TYPE,),
            node_offset=torch.tensor([0, num_nodes], dtype=torch.long),
            edge_offset=torch.tensor([0, num_edges], dtype=torch.long),
            relation_src=zero,
            relation_dst=zero.clone(),
        )

    @property
    def num_nodes(self) -> int:
        """Number of nodes of all types."""
        return int(self.node_offset[-1])

    @property
    def num_edges(self) -> int:
        """Number of edges of all types."""
        return int(self.edge_offset[-1])

    @property
    def num_relations(self) -> int:
        """Number of edge types (1 for a homogeneous graph)."""
        return len(self.edge_types)

    def node_type_index(self, node_type: str) -> int:
        """Position of ``node_type`` in :attr:`node_types`.

        Raises:
            ValueError: an unknown node type (the message lists the graph's types).
        """
        if node_type not in self.node_types:
            raise ValueError(
                f"unknown node type {node_type!r}; the graph has: {', '.join(self.node_types)}"
            )
        return self.node_types.index(node_type)

    def edge_type_index(self, edge_type: EdgeType) -> int:
        """Position of ``edge_type`` in :attr:`edge_types`.

        Raises:
            ValueError: an unknown edge type (the message lists the graph's types).
        """
        edge_type = tuple(edge_type)
        if edge_type not in self.edge_types:
            raise ValueError(f"unknown edge type {edge_type}; the graph has: {self.edge_types}")
        return self.edge_types.index(edge_type)

    def num_nodes_of(self, type_index: int) -> int:
        """Number of nodes of the node type at ``type_index``."""
        return int(self.node_offset[type_index + 1] - self.node_offset[type_index])

    def node_type_of(self, node_ids: Tensor) -> Tensor:
        """Node type index of each global node id.

        Shape:
            node_ids: (n,); returns (n,) int64.
        """
        if len(self.node_types) == 1:
            return torch.zeros_like(node_ids)
        return torch.searchsorted(self.node_offset, node_ids, right=True) - 1

    def edge_type_of(self, edge_ids: Tensor) -> Tensor:
        """Edge type index of each global edge id.

        Shape:
            edge_ids: (m,); returns (m,) int64.
        """
        if len(self.edge_types) == 1:
            return torch.zeros_like(edge_ids)
        return torch.searchsorted(self.edge_offset, edge_ids, right=True) - 1

    def global_edge_index(self, data: Data | HeteroData) -> Tensor:
        """All edges of ``data`` in global node ids, edge types concatenated in layout order.

        Column ``j`` is global edge ``j``. For a homogeneous graph this is ``data.edge_index``.

        Shape:
            returns (2, E) int64.
        """
        if not self.hetero:
            return _check_edge_index(data.edge_index, self.num_nodes, self.num_nodes, "edge_index")
        parts = []
        for r, edge_type in enumerate(self.edge_types):
            src_t, dst_t = int(self.relation_src[r]), int(self.relation_dst[r])
            index = _check_edge_index(
                data[edge_type].edge_index,
                self.num_nodes_of(src_t),
                self.num_nodes_of(dst_t),
                f"edge_index of {edge_type}",
            )
            shift = torch.stack([self.node_offset[src_t], self.node_offset[dst_t]]).view(2, 1)
            parts.append(index + shift)
        if not parts:
            return torch.empty(2, 0, dtype=torch.long)
        return torch.cat(parts, dim=1)


class CSRGraph:
    """Incoming-neighbour CSR (compressed sparse rows keyed by target node) of a graph.

    For segment ``s`` (a target node, or a (edge type, target node) pair in a heterogeneous
    graph), ``col[rowptr[s]:rowptr[s + 1]]`` are the source nodes of its incoming edges (global
    ids) and ``edge_ids[rowptr[s]:rowptr[s + 1]]`` the original ids of those edges, in their
    original order, so edge attributes and labels can be gathered. Duplicate edges and self-loops
    are kept as they are.

    Memory is O(E + S): ``col`` and ``edge_ids`` are E int64 each, ``rowptr`` S + 1, where S is
    the number of nodes (homogeneous) or the sum over edge types of their target type's node
    count. A sampler also borrows one N-long int32 scratch map (allocated on first use and kept),
    which makes each batch O(sampled edges) instead of O(N).

    Args:
        rowptr: segment boundaries. Shape: (S + 1,).
        col: source node (global id) of each CSR entry. Shape: (E,).
        edge_ids: global edge id of each CSR entry. Shape: (E,).
        layout: node and edge types of the graph.
        segment_offset: first segment of each edge type, then S. Shape: (R + 1,).

    Example:
        >>> import torch
        >>> csr = CSRGraph.from_edge_index(torch.tensor([[0, 1, 2], [1, 2, 1]]), num_nodes=3)
        >>> csr.rowptr.tolist(), csr.col.tolist(), csr.edge_ids.tolist()
        ([0, 0, 2, 3], [0, 2, 1], [0, 2, 1])
    """

    def __init__(
        self,
        rowptr: Tensor,
        col: Tensor,
        edge_ids: Tensor,
        layout: GraphLayout,
        segment_offset: Tensor,
    ) -> None:
        self.rowptr = rowptr
        self.col = col
        self.edge_ids = edge_ids
        self.layout = layout
        self.segment_offset = segment_offset
        self._node_map: Tensor | None = None
        self._lock = threading.Lock()

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_edge_index(cls, edge_index: Tensor, num_nodes: int) -> CSRGraph:
        """The incoming-neighbour CSR of a homogeneous graph (edges source -> target).

        Built with one stable sort of the targets, a bincount and a cumsum.

        Args:
            edge_index: edges as (source, target) rows, as in PyG.
            num_nodes: number of nodes (isolated nodes included).

        Shape:
            edge_index: (2, E).

        Raises:
            ValueError: ``edge_index`` of the wrong shape or dtype, or with ids outside
                ``[0, num_nodes)``.
        """
        if num_nodes < 0:
            raise ValueError(f"num_nodes must be >= 0, got {num_nodes}")
        edge_index = _check_edge_index(edge_index, num_nodes, num_nodes, "edge_index")
        layout = GraphLayout.homogeneous(num_nodes, edge_index.size(1))
        return cls._build(edge_index[0], edge_index[1], layout, layout.node_offset.clone())

    @classmethod
    def from_hetero(cls, data: HeteroData) -> CSRGraph:
        """The relation-segmented incoming-neighbour CSR of every edge type of ``data``.

        Raises:
            ValueError: an edge type without ``edge_index`` or with ids out of range.
        """
        layout = GraphLayout.from_data(data)
        sizes = [layout.num_nodes_of(int(t)) for t in layout.relation_dst]
        segment_offset = _offsets(sizes)
        edge_index = layout.global_edge_index(data)
        relation = repeat_segments(layout.edge_offset.diff())
        dst_type = layout.relation_dst[relation]
        segment = segment_offset[relation] + edge_index[1] - layout.node_offset[dst_type]
        del relation, dst_type
        return cls._build(edge_index[0], segment, layout, segment_offset)

    @classmethod
    def from_data(cls, data: Data | HeteroData) -> CSRGraph:
        """The CSR of a PyG ``Data`` (its ``edge_index``) or ``HeteroData`` (all edge types)."""
        if isinstance(data, HeteroData):
            return cls.from_hetero(data)
        layout = GraphLayout.from_data(data)
        return cls.from_edge_index(data.edge_index, layout.num_nodes)

    @classmethod
    def _build(
        cls, src: Tensor, segment: Tensor, layout: GraphLayout, segment_offset: Tensor
    ) -> CSRGraph:
        num_segments = int(segment_offset[-1])
        order = torch.sort(segment, stable=True).indices
        col = src[order]
        rowptr = torch.zeros(num_segments + 1, dtype=torch.long)
        torch.cumsum(torch.bincount(segment, minlength=num_segments), dim=0, out=rowptr[1:])
        return cls(rowptr, col, order, layout, segment_offset)

    # --- queries -----------------------------------------------------------------------------
    @property
    def num_nodes(self) -> int:
        """Number of nodes of all types."""
        return self.layout.num_nodes

    @property
    def num_edges(self) -> int:
        """Number of edges of all types."""
        return int(self.col.numel())

    def in_degree(self) -> Tensor:
        """Number of incoming edges of every node (all edge types together).

        Shape:
            returns (N,) int64.
        """
        degree = torch.zeros(self.num_nodes, dtype=torch.long)
        per_segment = self.rowptr.diff()
        for r in range(self.layout.num_relations):
            first = int(self.layout.node_offset[self.layout.relation_dst[r]])
            lo, hi = int(self.segment_offset[r]), int(self.segment_offset[r + 1])
            degree[first : first + hi - lo] += per_segment[lo:hi]
        return degree

    def segments(self, nodes: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The CSR segments of target nodes: one per (node, edge type ending at its type).

        Returns ``(owner, segment, relation)``, ordered by owner then edge type: ``owner`` indexes
        ``nodes``, ``segment`` is the CSR segment, ``relation`` its edge type index.

        Shape:
            nodes: (f,) global ids; each returned tensor (s,), s = f for a homogeneous graph.
        """
        if not self.layout.hetero:
            return torch.arange(nodes.numel()), nodes, torch.zeros_like(nodes)
        node_type = self.layout.node_type_of(nodes)
        valid = node_type.unsqueeze(1) == self.layout.relation_dst.unsqueeze(0)
        owner, relation = valid.nonzero(as_tuple=True)
        local = nodes[owner] - self.layout.node_offset[node_type[owner]]
        return owner, self.segment_offset[relation] + local, relation

    # --- the sampler's scratch map -----------------------------------------------------------
    @contextmanager
    def borrow_node_map(self) -> Iterator[Tensor]:
        """An N-long map filled with -1, to be left filled with -1 on return.

        int32 (half the cache misses of its random accesses) unless there are 2**31 nodes or more.

        The map is allocated once and reused, so a batch costs O(sampled) instead of O(N); a
        concurrent borrower (another thread) gets a fresh map instead of waiting.
        """
        dtype = torch.int32 if self.num_nodes < 2**31 - 1 else torch.long
        if not self._lock.acquire(blocking=False):
            yield torch.full((self.num_nodes,), -1, dtype=dtype)
            return
        try:
            if self._node_map is None or self._node_map.numel() != self.num_nodes:
                self._node_map = torch.full((self.num_nodes,), -1, dtype=dtype)
            yield self._node_map
        finally:
            self._lock.release()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_node_map"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        kind = f"{len(self.layout.edge_types)} edge types, " if self.layout.hetero else ""
        return f"CSRGraph({kind}num_nodes={self.num_nodes}, num_edges={self.num_edges})"
