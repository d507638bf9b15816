"""Node dropping (GraphCL): remove ``floor(ratio * n)`` random nodes of each graph."""

from __future__ import annotations

import torch
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation, check_ratio, rank_within_graph, uniform
from graphcl.augmentation.batch_ops import keep_nodes
from graphcl.augmentation.registry import AUGMENTATIONS


@AUGMENTATIONS.register("node_drop")
class NodeDrop(Augmentation):
    """Drop ``floor(ratio * n_i)`` nodes chosen uniformly in each graph ``i`` (at most
    ``n_i - 1``: every graph keeps a node), with their edges; the nodes really leave the batch.

    You et al., "Graph Contrastive Learning with Augmentations", NeurIPS 2020.

    Args:
        ratio: fraction of each graph's nodes to drop, in [0, 1).

    Example:
        >>> from graphcl.data import load_dataset
        >>> batch = load_dataset("chembl2321810", progress=False).collate(range(4))
        >>> view = NodeDrop(0.2)(batch, torch.Generator().manual_seed(0))
        >>> torch.equal(batch.ptr.diff() - view.ptr.diff(), (0.2 * batch.ptr.diff()).long())
        True
    """

    def __init__(self, ratio: float = 0.2) -> None:
        self.ratio = check_ratio(ratio)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        sizes = batch.ptr.diff()
        drop = torch.minimum((sizes * self.ratio).long(), sizes - 1)
        keys = uniform(batch.num_nodes, batch.batch, generator)
        rank = rank_within_graph(keys, batch.batch, batch.ptr)
        return keep_nodes(batch, rank >= drop[batch.batch])
