"""Edge dropping for node-level contrastive learning: uniform (GRACE) or adaptive (GCA)."""

from __future__ import annotations

import copy
import weakref
from typing import cast

import torch
from torch import Tensor
from torch_geometric.data import Batch, Data

from graphcl.augmentation.base import Augmentation, check_ratio, uniform
from graphcl.augmentation.batch_ops import (
    attribute_levels,
    counts_to_ptr,
    edge_ptr,
    rebuild,
    with_node_values,
)
from graphcl.augmentation.centrality import (
    CENTRALITIES,
    Centrality,
    adaptive_weights,
    node_centrality,
    undirected_centrality,
    undirected_pairs,
)
from graphcl.augmentation.registry import AUGMENTATIONS

#: The ``mode`` values of :class:`EdgeDrop` (and of ``FeatureMask``).
MODES = ("uniform", *CENTRALITIES)

#: ``(low, high, pair_of_edge)`` of :func:`~graphcl.augmentation.centrality.undirected_pairs`.
Pairs = tuple[Tensor, Tensor, Tensor]


def edge_drop_weights(
    edge_index: Tensor,
    num_nodes: int,
    batch: Tensor | None = None,
    mode: Centrality = "degree",
    undirected: bool = True,
) -> Tensor:
    """GCA's normalised edge weights: edge ``e`` is dropped with probability
    ``min(p_e * weight_e, p_tau)``.

    ``weight_uv = (s_max - s_uv) / (s_max - mu_s)``, ``s_uv = log w_uv``, with ``s_max`` and
    ``mu_s`` taken per graph (Zhu et al. 2021, Sec. 3.2.1) and the node centrality ``phi`` of
    :func:`~graphcl.augmentation.centrality.node_centrality`:

    - ``undirected=True``: ``w_uv = (phi(u) + phi(v)) / 2`` (the paper's choice for undirected
      graphs), per distinct pair ``{u, v}``; both directions of a pair get the same weight and the
      statistics count each pair once, however it is stored.
    - ``undirected=False``: ``w_uv = phi(v)``, the centrality of the node the edge points to (the
      paper's choice for directed graphs); the statistics count every stored edge.

    Code observation (GCA repository): it uses ``log(phi + 1)`` rather than the paper's ``log phi``
    and the target's centrality ``phi(v)`` on undirected graphs too (so ``u -> v`` and ``v -> u``
    differ); graphcl follows the paper.

    Args:
        edge_index: Shape: (2, E).
        num_nodes: N.
        batch: graph of each node (None: one graph). Shape: (N,).
        mode: node centrality, ``"degree"``, ``"pagerank"`` or ``"evc"``.
        undirected: read edges as undirected pairs.

    Returns:
        Per-graph mean 1 (over pairs, or edges when directed). Shape: (E,), float32.

    Example:
        >>> edges = torch.tensor([[0, 0, 0, 1, 2, 3, 1], [1, 2, 3, 0, 0, 0, 2]])
        >>> [round(w, 2) for w in edge_drop_weights(edges, 4, undirected=False).tolist()]
        [2.56, 0.94, 2.56, 0.0, 0.0, 0.0, 0.94]
        >>> edge_drop_weights(edges, 4).tolist()  # pairs {0,1}, {0,2} between hubs: kept
        [0.0, 0.0, 2.0, 0.0, 0.0, 2.0, 2.0]
    """
    pairs = undirected_pairs(edge_index, num_nodes) if undirected else None
    return _edge_weights(edge_index, num_nodes, batch, mode, pairs)


@AUGMENTATIONS.register("edge_drop")
class EdgeDrop(Augmentation):
    """Remove each edge independently, with a uniform (GRACE) or a centrality-adaptive (GCA)
    probability; nodes are never removed.

    - ``mode="uniform"``: every edge (pair) is dropped with probability ``ratio`` (GRACE, Zhu et
      al., "Deep Graph Contrastive Representation Learning", 2020); ``cap`` is not used.
    - ``mode="degree" | "pagerank" | "evc"``: edge ``e`` is dropped with probability
      ``p_e = min(ratio * weight_e, cap)`` with GCA's normalised weights of
      :func:`edge_drop_weights`: ``min((s_max - s_e) / (s_max - mu_s) * p_e, p_tau)`` in the paper
      (Zhu et al., "Graph Contrastive Learning with Adaptive Augmentation", WWW 2021, Sec.
      3.2.1), ``ratio`` its mean drop rate ``p_e`` and ``cap`` its ``p_tau``. Important edges
      (between central nodes) are dropped less. The weights average 1 per graph, so the mean drop
      probability is ``ratio`` unless the cap binds.

    Weights are computed per graph: on a ``Batch`` of several graphs every graph is normalised on
    its own (its ``s_max`` and ``mu_s``), all graphs at once. With ``undirected=True`` (graphs
    stored with both directions, the default) the two directions of a pair are dropped together
    (one draw per pair); an ``edge_index`` whose pairs are not all stored twice works too (a pair
    stored once is dropped or kept as one edge). ``edge_attr`` and every other edge-level
    attribute follow the kept edges, in their original order.

    Precomputed weights: the centralities (PageRank, eigenvector: power iterations over the whole
    graph) are the expensive part, and on one large graph they never change. :meth:`precompute`
    stores the weights as the edge-level attribute :attr:`weight_key`
    (``"edge_drop_weight_<mode>"``) of a copy of the graph; a batch holding that attribute is
    dropped with ``min(ratio * batch[weight_key], cap)`` and nothing is recomputed. The weights
    do not depend on ``ratio``, so the two views of GCA (two drop rates) share them; they are
    edge-level, so they survive collation and follow edges through other augmentations (they are
    then those of the graph as it was precomputed). Any per-edge probabilities ``q`` can be
    supplied the same way, as ``batch[weight_key] = q / ratio``; with ``undirected=True`` a pair
    uses the larger of its edges' probabilities. With ``undirected=True`` the grouping of edges into
    pairs (a sort of all edges, most of the cost of a uniform view of one large graph) is also
    remembered for the last ``edge_index`` tensor seen, as long as it lives unmodified.

    Args:
        ratio: GRACE's drop probability, or GCA's mean drop probability ``p_e``; in [0, 1).
        mode: ``"uniform"``, ``"degree"``, ``"pagerank"`` or ``"evc"`` (see
            :func:`~graphcl.augmentation.centrality.node_centrality`).
        cap: GCA's truncation ``p_tau`` of the adaptive probabilities, in (0, 1].
        undirected: treat ``(u, v)`` and ``(v, u)`` as one edge.

    Raises:
        ValueError: ``ratio`` outside [0, 1), unknown ``mode``, ``cap`` outside (0, 1].

    Example:
        >>> from torch_geometric.data import Batch, Data
        >>> ring = torch.tensor([[0, 1, 2, 3, 1, 2, 3, 0], [1, 2, 3, 0, 0, 1, 2, 3]])
        >>> batch = Batch.from_data_list([Data(edge_index=ring, num_nodes=4)] * 2)
        >>> view = EdgeDrop(0.5, mode="degree")(batch, torch.Generator().manual_seed(0))
        >>> view.num_nodes, view.num_edges <= batch.num_edges
        (8, True)
    """

    def __init__(
        self,
        ratio: float = 0.2,
        mode: str = "uniform",
        cap: float = 0.7,
        undirected: bool = True,
    ) -> None:
        self.ratio = check_ratio(ratio)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if not 0.0 < cap <= 1.0:
            raise ValueError(f"cap must be in (0, 1], got {cap}")
        self.mode = mode
        self.cap = float(cap)
        self.undirected = undirected

    @property
    def weight_key(self) -> str:
        """Name of the edge-level attribute holding precomputed weights for this ``mode``."""
        return f"edge_drop_weight_{self.mode}"

    def precompute(self, data: Data) -> Data:
        """A shallow copy of ``data`` (a ``Data`` or a ``Batch``, left unchanged) with this
        augmentation's edge weights stored as ``data[weight_key]`` (float32, one per edge).

        For ``mode="uniform"`` there is nothing to store: the copy is returned as it is.

        Example:
            >>> ring = torch.tensor([[0, 1, 2, 1, 2, 0], [1, 2, 0, 0, 1, 2]])
            >>> data = EdgeDrop(0.3, mode="pagerank").precompute(Data(edge_index=ring, num_nodes=3))
            >>> data.edge_drop_weight_pagerank.tolist()
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
        """
        out = copy.copy(data)
        if self.mode == "uniform":
            return out
        graph = data.batch if isinstance(data, Batch) else None
        mode = cast(Centrality, self.mode)
        weights = edge_drop_weights(data.edge_index, data.num_nodes, graph, mode, self.undirected)
        out[self.weight_key] = weights
        if isinstance(data, Batch) and getattr(data, "_slice_dict", None) is not None:
            out._slice_dict = {**data._slice_dict, self.weight_key: edge_ptr(data).cpu()}
            out._inc_dict = {
                **data._inc_dict,
                self.weight_key: torch.zeros(data.num_graphs, dtype=torch.long),
            }
        return out

    def drop_probability(self, batch: Batch) -> Tensor:
        """The probability that each edge of ``batch`` is dropped (from ``batch[weight_key]`` when
        present). With ``undirected=True``, the probability of the edge's pair.

        Returns:
            Shape: (E,), float32.
        """
        if self.undirected:
            pairs = _cached_pairs(batch.edge_index, batch.num_nodes)
            return self._probability(batch, pairs).index_select(0, pairs[2])
        return self._probability(batch, None)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        if self.ratio == 0.0 or batch.num_edges == 0:
            return with_node_values(batch)
        pairs = _cached_pairs(batch.edge_index, batch.num_nodes) if self.undirected else None
        probability = self._probability(batch, pairs)
        draws = uniform(probability.numel(), batch.edge_index, generator)
        keep = draws >= probability
        if pairs is not None:
            keep = keep.index_select(0, pairs[2])
        return _keep_edges(batch, keep)

    def _probability(self, batch: Batch, pairs: Pairs | None) -> Tensor:
        """Drop probability of each pair (``pairs`` given) or each edge. Shape: (P,) or (E,)."""
        size = batch.num_edges if pairs is None else pairs[0].numel()
        if self.mode == "uniform":
            return torch.full((size,), self.ratio, device=batch.edge_index.device)
        if self.weight_key in batch:
            weights = batch[self.weight_key].to(torch.float32)
        else:
            mode = cast(Centrality, self.mode)
            weights = _edge_weights(batch.edge_index, batch.num_nodes, batch.batch, mode, pairs)
        probability = (self.ratio * weights).clamp(max=self.cap)
        if pairs is None:
            return probability
        empty = probability.new_zeros(size)
        return empty.scatter_reduce(0, pairs[2], probability, "amax", include_self=False)


def _edge_weights(
    edge_index: Tensor,
    num_nodes: int,
    batch: Tensor | None,
    mode: Centrality,
    pairs: Pairs | None,
) -> Tensor:
    """:func:`edge_drop_weights`, with the pairs of ``edge_index`` (None: directed)."""
    graph = (
        torch.zeros(num_nodes, dtype=torch.long, device=edge_index.device)
        if batch is None
        else batch
    )
    num_graphs = int(graph.max()) + 1 if graph.numel() else 1
    if pairs is not None:
        low, high, pair_of_edge = pairs
        phi = undirected_centrality(mode, low, high, num_nodes, batch)
        score = (phi.index_select(0, low) + phi.index_select(0, high)) / 2
        pair_weight = adaptive_weights(score, graph.index_select(0, low), num_graphs)
        return pair_weight.index_select(0, pair_of_edge).to(torch.float32)
    phi = node_centrality(mode, edge_index, num_nodes, batch, undirected=False)
    src, dst = edge_index
    weight = adaptive_weights(phi.index_select(0, dst), graph.index_select(0, src), num_graphs)
    return weight.to(torch.float32)


# the pair grouping of the last edge_index seen (one large graph: the same tensor every step)
_last_pairs: tuple[weakref.ref[Tensor], int, int, Pairs] | None = None


def _cached_pairs(edge_index: Tensor, num_nodes: int) -> Pairs:
    """:func:`~graphcl.augmentation.centrality.undirected_pairs`, remembered for the last
    ``edge_index`` tensor seen while it lives and is not modified in place (its version counter).

    Grouping the pairs (a sort of all edges) is most of the cost of a view of one large graph,
    whose ``edge_index`` is the same tensor at every training step; batches of small graphs are
    new tensors each time and simply miss.
    """
    global _last_pairs
    try:
        version = edge_index._version
    except RuntimeError:  # inference tensors track no version: no caching
        return undirected_pairs(edge_index, num_nodes)
    cached = _last_pairs
    if cached is not None:
        reference, seen_version, seen_nodes, pairs = cached
        if reference() is edge_index and seen_version == version and seen_nodes == num_nodes:
            return pairs
    pairs = undirected_pairs(edge_index, num_nodes)
    _last_pairs = (weakref.ref(edge_index, _forget), version, num_nodes, pairs)
    return pairs


def _forget(reference: weakref.ref[Tensor]) -> None:
    """Drop the cached pairs once their ``edge_index`` is freed."""
    global _last_pairs
    if _last_pairs is not None and _last_pairs[0] is reference:
        _last_pairs = None


def _keep_edges(batch: Batch, keep: Tensor) -> Batch:
    """The batch with only the edges where ``keep`` is true (order kept), all nodes, and every
    edge-level attribute filtered alike."""
    _, edge_keys, _ = attribute_levels(batch)
    index = keep.nonzero().squeeze(1)
    edge_index = batch.edge_index.index_select(1, index)
    counts = torch.bincount(batch.batch.index_select(0, edge_index[0]), minlength=batch.num_graphs)
    return rebuild(
        batch,
        ptr=batch.ptr,
        graph=batch.batch,
        edge_index=edge_index,
        eptr=counts_to_ptr(counts),
        node_values={},
        edge_values={key: batch[key].index_select(0, index) for key in edge_keys},
    )
