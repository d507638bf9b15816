"""GAT layer with edge features in the attention.

Veličković et al., "Graph Attention Networks", ICLR 2018, via PyG's ``GATConv`` with
``edge_dim``: the edge embedding enters each attention logit (no edge term when the graph has no
edge features). Heads are concatenated and projected back to ``width`` so layers stack;
self-loops carry the reserved self-loop token. ``encoder: {name: gat, heads: 4}`` stacks them.
"""

from __future__ import annotations

from torch import Tensor
from torch_geometric.nn import GATConv

from graphcl.encoders.inputs import build_input
from graphcl.encoders.layers import MessagePassingLayer, register_layer
from graphcl.features import EDGE_SPECIAL_TOKENS, FeatureSpec


@register_layer("gat")
class BondGATConv(MessagePassingLayer):
    """Multi-head attention layer, width preserved.

    Args:
        width: node width (input and output), divisible by ``heads``.
        edge_features: what the edges carry.
        heads: attention heads.

    Shape:
        x (N, width), edge_index (2, E), edge_attr (E, B) or None -> (N, width).
    """

    def __init__(self, width: int, edge_features: FeatureSpec, heads: int = 4) -> None:
        super().__init__()
        if heads < 1 or width % heads:
            raise ValueError(f"hidden ({width}) must be divisible by heads ({heads})")
        self.edge_embedding = build_input(edge_features, width, EDGE_SPECIAL_TOKENS)
        edge_dim = None if edge_features.kind == "none" else width
        self.conv = GATConv(
            width, width // heads, heads=heads, edge_dim=edge_dim, add_self_loops=False
        )

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        edge_index, edge_attr = self.edge_embedding.self_loops(edge_index, edge_attr, x.shape[0])
        embedded = self.edge_embedding(edge_attr)
        out: Tensor = self.conv(x, edge_index, embedded)
        return out
