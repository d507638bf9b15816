"""GIN layer with edge features, as in pretrain-gnns (the encoder of GraphCL and most transfer
work).

Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020. Each layer adds a
self-loop to every node, sums ``h_j + e_ji`` over incoming edges (``e_ji`` from the layer's own
edge embedding; self-loops use the reserved self-loop token of categorical edges, zero features
of float edges, and no edge term when the graph has no edge features), and applies a two-layer MLP
(width ``2 * width``). ``encoder: {name: gin}`` stacks them (:mod:`graphcl.encoders.conv_stack`).

The sum is computed as ``A h + S``: ``A`` the sparse adjacency with self-loops (one sparse-dense
product instead of gathering an (E, width) message tensor) and ``S`` the per-node sum of edge
embeddings, which for categorical edges is the count of each category among a node's incoming
edges times the stacked tables. The value is the same; the sum runs about 5x faster on CPU than
gathering messages per edge. ``A`` and the counts are built once per batch and shared by all
layers.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from graphcl.encoders.inputs import FeatureInput, build_input
from graphcl.encoders.layers import MessagePassingLayer, register_layer
from graphcl.features import EDGE_SPECIAL_TOKENS, FeatureSpec


class Neighbourhood(NamedTuple):
    """What every GIN layer of a batch sums over.

    Attributes:
        adjacency: sparse (N, N), entry (i, j) = number of edges j -> i, self-loops included.
        edge_sums: the data-only part of the per-node sums of edge embeddings (categorical:
            (N, K) category counts; float: (N, F + 1) feature sums and edge counts; None without
            edge features), self-loops included.
    """

    adjacency: Tensor
    edge_sums: Tensor | None


def neighbourhood(
    edge_index: Tensor, edge_attr: Tensor | None, edge_input: FeatureInput, num_nodes: int
) -> Neighbourhood:
    """Build the :class:`Neighbourhood` of a graph (or batch). Shape: edge_index (2, E)."""
    edge_index, edge_attr = edge_input.self_loops(edge_index, edge_attr, num_nodes)
    ones = torch.ones(edge_index.shape[1], device=edge_index.device)
    adjacency = torch.sparse_coo_tensor(
        edge_index.flip(0), ones, (num_nodes, num_nodes), check_invariants=False
    )
    sums = edge_input.prepare_sum(edge_attr, edge_index[1], num_nodes)
    return Neighbourhood(adjacency.coalesce(), sums)


@register_layer("gin")
class GINEConv(MessagePassingLayer):
    """One pretrain-gnns GIN layer with edge features.

    ``h_i' = MLP( sum_{j in N(i) + {i}} (h_j + e_ji) )``

    Args:
        width: node width (input and output).
        edge_features: what the edges carry (``none``: no edge term).

    Shape:
        x (N, width), edge_index (2, E), edge_attr (E, B) -> (N, width).
    """

    def __init__(self, width: int, edge_features: FeatureSpec) -> None:
        super().__init__()
        self.edge_embedding = build_input(edge_features, width, EDGE_SPECIAL_TOKENS)
        self.mlp = nn.Sequential(
            nn.Linear(width, 2 * width), nn.ReLU(), nn.Linear(2 * width, width)
        )

    def prepare(
        self, edge_index: Tensor, edge_attr: Tensor | None, num_nodes: int
    ) -> tuple[Tensor, Tensor | None, Neighbourhood]:
        around = neighbourhood(edge_index, edge_attr, self.edge_embedding, num_nodes)
        return edge_index, edge_attr, around

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None = None,
        around: Neighbourhood | None = None,
    ) -> Tensor:
        """``around``: the batch's :class:`Neighbourhood`, when the caller built it already."""
        if around is None:
            around = neighbourhood(edge_index, edge_attr, self.edge_embedding, x.shape[0])
        first = self.mlp[0]
        assert isinstance(first, nn.Linear)
        dtype = first.weight.dtype  # the sum runs outside autocast, in the weights' dtype
        with torch.autocast(x.device.type, enabled=False):
            summed = torch.sparse.mm(around.adjacency.to(dtype), x.to(dtype))
            edges = self.edge_embedding.combine_sum(around.edge_sums)
            if edges is not None:
                summed = summed + edges.to(dtype)
        out: Tensor = self.mlp(summed)
        return out
