"""GraphSAGE layer with edge embeddings, in the form of pretrain-gnns (its ``graphsage`` models).

Hamilton et al., "Inductive Representation Learning on Large Graphs", NeurIPS 2017, with the
edge-feature form of Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020
(chem/model.py ``GraphSAGEConv``): after a linear map, each node takes the *mean* of
``W h_j + b + e_ji`` over its incoming edges and a self-loop (the reserved self-loop token of
categorical edges, zero features of float edges, no edge term without edge features), then
L2-normalizes the result::

    h_i' = m_i / max(||m_i||_2, 1e-12),   m_i = mean_{j in N(i) + {i}} (W h_j + b + e_ji)

``encoder: {name: graphsage}`` stacks them (:mod:`graphcl.encoders.conv_stack`); the published
pretrain-gnns GraphSAGE encoders load into that stack (:mod:`graphcl.zoo`).

The mean is computed as the GIN layer's sum (one sparse-dense product with the self-looped
adjacency plus per-node sums of edge embeddings, built once per batch) divided by the in-degree.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.encoders.gin import Neighbourhood, neighbourhood
from graphcl.encoders.inputs import build_input
from graphcl.encoders.layers import MessagePassingLayer, register_layer
from graphcl.features import EDGE_SPECIAL_TOKENS, FeatureSpec


class MeanNeighbourhood(NamedTuple):
    """What every GraphSAGE layer of a batch averages over.

    Attributes:
        around: the self-looped adjacency and edge-embedding sums (as the GIN layer's).
        degree: incoming edges of each node, its self-loop included. Shape: (N, 1), float.
    """

    around: Neighbourhood
    degree: Tensor


@register_layer("graphsage")
class BondSAGEConv(MessagePassingLayer):
    """One pretrain-gnns GraphSAGE layer: linear map, mean of ``x_j + e_ji`` over the
    neighbours and the node itself, L2 normalization.

    Args:
        width: node width (input and output).
        edge_features: what the edges carry (``none``: no edge term).

    Shape:
        x (N, width), edge_index (2, E), edge_attr (E, B) or None -> (N, width), rows of unit
        L2 norm.
    """

    def __init__(self, width: int, edge_features: FeatureSpec) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.edge_embedding = build_input(edge_features, width, EDGE_SPECIAL_TOKENS)

    def prepare(
        self, edge_index: Tensor, edge_attr: Tensor | None, num_nodes: int
    ) -> tuple[Tensor, Tensor | None, MeanNeighbourhood]:
        around = neighbourhood(edge_index, edge_attr, self.edge_embedding, num_nodes)
        degree = torch.bincount(edge_index[1], minlength=num_nodes) + 1
        return edge_index, edge_attr, MeanNeighbourhood(around, degree.unsqueeze(1))

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None = None,
        mean: MeanNeighbourhood | None = None,
    ) -> Tensor:
        """``mean``: the batch's :class:`MeanNeighbourhood`, when the caller built it already."""
        if mean is None:
            mean = self.prepare(edge_index, edge_attr, x.shape[0])[2]
        dtype = self.linear.weight.dtype  # the mean runs outside autocast, in the weights' dtype
        h = self.linear(x)
        with torch.autocast(x.device.type, enabled=False):
            summed = torch.sparse.mm(mean.around.adjacency.to(dtype), h.to(dtype))
            edges = self.edge_embedding.combine_sum(mean.around.edge_sums)
            if edges is not None:
                summed = summed + edges.to(dtype)
            out = F.normalize(summed / mean.degree.to(dtype), p=2.0, dim=-1)
        return out
