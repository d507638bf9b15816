"""Subgraph (GraphCL): a connected subgraph grown from a random seed node."""

from __future__ import annotations

import torch
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation, check_ratio, uniform
from graphcl.augmentation.batch_ops import keep_nodes
from graphcl.augmentation.registry import AUGMENTATIONS


@AUGMENTATIONS.register("subgraph")
class Subgraph(Augmentation):
    """Keep ``n_i - floor(ratio * n_i)`` connected nodes of each graph, grown from a random seed.

    Nodes join in breadth-first order from the seed, each layer in random order, so the kept set is
    connected and exactly the target size whenever the seed's connected component is large enough
    (a smaller component, e.g. one ion of a salt, is kept whole). All graphs expand at once through
    a block-diagonal dense adjacency, one batched matrix-vector product per layer.

    You et al., "Graph Contrastive Learning with Augmentations", NeurIPS 2020. (The reference code's
    ``set.union`` bug, GraphCL issue #24, returns much smaller subgraphs; this keeps the stated
    ``1 - ratio`` of the nodes.)

    Args:
        ratio: fraction of each graph's nodes to leave out, in [0, 1).
    """

    def __init__(self, ratio: float = 0.2) -> None:
        self.ratio = check_ratio(ratio)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        sizes = batch.ptr.diff()
        num_graphs, width = batch.num_graphs, int(sizes.max())
        target = sizes - (sizes * self.ratio).long()
        local = torch.arange(batch.num_nodes, device=sizes.device) - batch.ptr[batch.batch]
        src, dst = batch.edge_index
        adjacency = torch.zeros(num_graphs, width, width, device=sizes.device)
        adjacency[batch.batch[src], local[src], local[dst]] = 1.0
        rows = torch.arange(num_graphs, device=sizes.device)
        seed = (uniform(num_graphs, sizes, generator) * sizes).long().clamp(max=sizes - 1)
        reached = torch.zeros(num_graphs, width, device=sizes.device)  # 1.0 once reached
        reached[rows, seed] = 1.0
        layer = torch.zeros_like(reached)  # breadth-first layer of each reached node
        for _ in range(width):
            if bool((reached.sum(1) >= target).all()):
                break
            grown = torch.bmm(reached.unsqueeze(1), adjacency).squeeze(1)
            grown = grown.add_(reached).clamp_(max=1.0)
            if torch.equal(grown, reached):  # every seed's component is exhausted
                break
            layer += 1.0 - reached
            reached = grown
        # order by layer, randomly within a layer (jitter < 1), and keep the first `target` nodes
        key = layer + uniform(num_graphs * width, sizes, generator).view(num_graphs, -1)
        rank = torch.empty_like(layer, dtype=torch.long)
        rank.scatter_(
            1, key.argsort(dim=1), torch.arange(width, device=sizes.device).expand(num_graphs, -1)
        )
        keep = (reached > 0) & (rank < target.unsqueeze(1))
        return keep_nodes(batch, keep[batch.batch, local])
