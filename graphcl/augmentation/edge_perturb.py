"""Edge perturbation (GraphCL): remove a fraction of each graph's edges and add as many new ones
between random node pairs of the same graph."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation, check_ratio, rank_within_graph, uniform
from graphcl.augmentation.batch_ops import attribute_levels, counts_to_ptr, rebuild
from graphcl.augmentation.registry import AUGMENTATIONS


@AUGMENTATIONS.register("edge_perturb")
class EdgePerturb(Augmentation):
    """Remove ``floor(ratio * m_i)`` of the ``m_i`` edges of each graph and add as many edges
    between random distinct nodes of the same graph.

    With ``undirected=True`` (molecules, most graphs) an edge and its reverse are one pair: they are
    removed together and new edges are added in both directions. New edges carry ``added_attr`` as
    their ``edge_attr`` (for molecules: the reserved "added edge" token of every bond column,
    ``bond_feature_dims[j] + 1``), and zeros in any other edge-level attribute.

    You et al., "Graph Contrastive Learning with Augmentations", NeurIPS 2020.

    Args:
        ratio: fraction of each graph's edges (pairs) to replace, in [0, 1).
        added_attr: ``edge_attr`` row of new edges; None gives zeros.
        undirected: treat ``(u, v)`` and ``(v, u)`` as one edge (the batch must hold both).
    """

    def __init__(
        self,
        ratio: float = 0.2,
        added_attr: Sequence[float] | None = None,
        undirected: bool = True,
    ) -> None:
        self.ratio = check_ratio(ratio)
        self.added_attr = None if added_attr is None else list(added_attr)
        self.undirected = undirected

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        src, dst = batch.edge_index
        num_graphs = batch.num_graphs
        edge_graph = batch.batch[src]
        # one representative per edge (pair): the pair's random key decides its fate
        if self.undirected:
            pair_key = torch.minimum(src, dst) * batch.num_nodes + torch.maximum(src, dst)
            pairs, pair_of_edge = torch.unique(pair_key, return_inverse=True)
            pair_graph = batch.batch[pairs // batch.num_nodes]
        else:
            pair_of_edge = torch.arange(src.numel(), device=src.device)
            pair_graph = edge_graph
        pair_counts = torch.bincount(pair_graph, minlength=num_graphs)
        change = (pair_counts * self.ratio).long()
        sizes = batch.ptr.diff()
        change = torch.where(sizes >= 2, change, torch.zeros_like(change))
        order = torch.argsort(pair_graph, stable=True)  # pairs grouped by graph
        keys = uniform(pair_graph.numel(), pair_graph, generator)
        sorted_graph = pair_graph[order]
        rank = torch.empty_like(order)
        rank[order] = rank_within_graph(keys[order], sorted_graph, counts_to_ptr(pair_counts))
        keep_edge = (rank >= change[pair_graph])[pair_of_edge]

        # new pairs: u uniform in the graph, v uniform among the other nodes of the graph
        added_graph = torch.repeat_interleave(torch.arange(num_graphs, device=src.device), change)
        n = sizes[added_graph]
        draws = uniform(2 * added_graph.numel(), added_graph, generator).view(2, -1)
        u_local = (draws[0] * n).long().clamp(max=n - 1)
        v_local = (u_local + 1 + (draws[1] * (n - 1)).long().clamp(max=n - 2)) % n
        start = batch.ptr[added_graph]
        u, v = start + u_local, start + v_local
        if self.undirected:
            new_edges = torch.stack([torch.stack([u, v], 1), torch.stack([v, u], 1)], 1)
            new_edges = new_edges.reshape(-1, 2).T
            new_graph = added_graph.repeat_interleave(2)
        else:
            new_edges = torch.stack([u, v])
            new_graph = added_graph
        return _merge_edges(batch, keep_edge, edge_graph, new_edges, new_graph, self.added_attr)


def _merge_edges(
    batch: Batch,
    keep: Tensor,
    edge_graph: Tensor,
    new_edges: Tensor,
    new_graph: Tensor,
    added_attr: list[float] | None,
) -> Batch:
    """Kept old edges then new edges, per graph, each group in order (no sort needed)."""
    num_graphs = batch.num_graphs
    kept_graph = edge_graph[keep]
    kept_counts = torch.bincount(kept_graph, minlength=num_graphs)
    new_counts = torch.bincount(new_graph, minlength=num_graphs)
    eptr = counts_to_ptr(kept_counts + new_counts)
    kept_ptr, new_ptr = counts_to_ptr(kept_counts), counts_to_ptr(new_counts)
    device = new_edges.device
    kept_position = (
        torch.arange(kept_graph.numel(), device=device) - kept_ptr[kept_graph] + eptr[kept_graph]
    )
    new_position = (
        torch.arange(new_graph.numel(), device=device)
        - new_ptr[new_graph]
        + eptr[new_graph]
        + kept_counts[new_graph]
    )
    total = int(eptr[-1])

    def place(old: Tensor, new: Tensor) -> Tensor:
        out = old.new_empty((total, *old.shape[1:]))
        out[kept_position] = old[keep]
        out[new_position] = new.to(old.dtype)
        return out

    edge_index = place(batch.edge_index.T, new_edges.T).T
    _, edge_keys, _ = attribute_levels(batch)
    edge_values = {}
    for key in edge_keys:
        value = batch[key]
        fill = value.new_zeros((new_graph.numel(), *value.shape[1:]))
        if key == "edge_attr" and added_attr is not None:
            fill[:] = torch.tensor(added_attr, dtype=value.dtype, device=value.device)
        edge_values[key] = place(value, fill)
    return rebuild(
        batch,
        ptr=batch.ptr,
        graph=batch.batch,
        edge_index=edge_index.contiguous(),
        eptr=eptr,
        node_values={},
        edge_values=edge_values,
    )
