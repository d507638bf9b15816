"""GCN layer with edge embeddings (the pretrain-gnns GCN variant; plain GCN without edge
features).

Kipf and Welling, "Semi-Supervised Classification with Graph Convolutional Networks", ICLR 2017,
with the edge-feature extension of Hu et al. (ICLR 2020): after a linear map, each node receives
``sum_j norm_ij * (W h_j + e_ji)`` over its neighbours and itself, with the symmetric
normalisation ``norm_ij = 1 / sqrt(deg_i * deg_j)`` (degrees counting the self-loop). Without edge
features the message is ``norm_ij * W h_j``: Kipf and Welling's layer (GRACE, GCA and gCooL use
two of them). ``encoder: {name: gcn}`` stacks them.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import degree

from graphcl.encoders.inputs import build_input
from graphcl.encoders.layers import MessagePassingLayer, register_layer
from graphcl.features import EDGE_SPECIAL_TOKENS, FeatureSpec


class _Propagate(MessagePassing):
    """``sum_j norm_ij * (x_j + e_ji)`` (``e`` optional)."""

    def __init__(self) -> None:
        super().__init__(aggr="add")

    def forward(
        self, x: Tensor, edge_index: Tensor, norm: Tensor, edge_embedding: Tensor | None
    ) -> Tensor:
        out: Tensor = self.propagate(edge_index, x=x, edge_embedding=edge_embedding, norm=norm)
        return out

    def message(self, x_j: Tensor, edge_embedding: Tensor | None, norm: Tensor) -> Tensor:
        if edge_embedding is not None:
            x_j = x_j + edge_embedding
        return norm.unsqueeze(-1) * x_j


@register_layer("gcn")
class BondGCNConv(MessagePassingLayer):
    """One GCN layer whose messages include an edge embedding when edges have features.

    Args:
        width: node width (input and output).
        edge_features: what the edges carry.

    Shape:
        x (N, width), edge_index (2, E), edge_attr (E, B) or None -> (N, width).
    """

    def __init__(self, width: int, edge_features: FeatureSpec) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.edge_embedding = build_input(edge_features, width, EDGE_SPECIAL_TOKENS)
        self.propagation = _Propagate()

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        num_nodes = x.shape[0]
        edge_index, edge_attr = self.edge_embedding.self_loops(edge_index, edge_attr, num_nodes)
        row, col = edge_index
        deg = degree(col, num_nodes, dtype=x.dtype)
        norm = deg.rsqrt()[row] * deg.rsqrt()[col]
        return self.propagation(self.linear(x), edge_index, norm, self.edge_embedding(edge_attr))
