"""GAT layer in the form of pretrain-gnns (its ``gat`` models): heads averaged, edge embeddings
added to the messages.

Veličković et al., "Graph Attention Networks", ICLR 2018, in the edge-feature form of Hu et al.,
"Strategies for Pre-training Graph Neural Networks", ICLR 2020 (chem/model.py ``GATConv``, run
with torch-geometric 1.0.3, where messages are aggregated and attention is normalized at the
same node). For every head ``k``, with ``z = W h + b`` split into heads of ``width`` and the
edge embedding ``e_ji`` (width ``heads * width``) split likewise::

    m_ji^k    = z_j^k + e_ji^k                         over j in N(i) + {i} (a self-loop)
    a_ij^k    = softmax_j( LeakyReLU_0.2( <a^k, [z_i^k || m_ji^k]> ) )
    h_i'      = mean_k ( sum_j a_ij^k m_ji^k ) + bias

The output keeps the width (heads are averaged, not concatenated), which is what lets the
published weights load: ``weight_linear`` (heads * width, width), ``att`` (1, heads,
2 * width), ``bias`` (width,) and edge tables of width ``heads * width`` (2 heads in the
published chemistry models). graphcl's own ``gat`` layer (PyG's ``GATConv``, attention on
projected edge features, concatenated heads) is a different function. Self-loops carry the
reserved self-loop token of categorical edges, zero features of float edges, and no edge term
without edge features. ``encoder: {name: gat_pretrain_gnns, heads: 2}`` stacks them.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.utils import softmax

from graphcl.encoders.inputs import build_input
from graphcl.encoders.layers import MessagePassingLayer, register_layer
from graphcl.features import EDGE_SPECIAL_TOKENS, FeatureSpec


@register_layer("gat_pretrain_gnns")
class PretrainGNNsGATConv(MessagePassingLayer):
    """One pretrain-gnns GAT layer, width preserved (heads averaged).

    Args:
        width: node width (input and output); each head works at this width.
        edge_features: what the edges carry (``none``: no edge term).
        heads: attention heads (2 in pretrain-gnns).
        negative_slope: slope of the leaky ReLU of the attention logits.

    Shape:
        x (N, width), edge_index (2, E), edge_attr (E, B) or None -> (N, width).
    """

    def __init__(
        self,
        width: int,
        edge_features: FeatureSpec,
        heads: int = 2,
        negative_slope: float = 0.2,
    ) -> None:
        super().__init__()
        if heads < 1:
            raise ValueError(f"heads must be >= 1, got {heads}")
        if negative_slope < 0:
            raise ValueError(f"negative_slope must be >= 0, got {negative_slope}")
        self.width = width
        self.heads = heads
        self.negative_slope = negative_slope
        self.weight_linear = nn.Linear(width, heads * width)
        self.att = nn.Parameter(torch.empty(1, heads, 2 * width))
        self.bias = nn.Parameter(torch.zeros(width))
        self.edge_embedding = build_input(edge_features, heads * width, EDGE_SPECIAL_TOKENS)
        bound = math.sqrt(6.0 / (heads + 2 * width))  # Glorot over the (heads, 2 * width) matrix
        nn.init.uniform_(self.att, -bound, bound)

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        num_nodes = x.shape[0]
        edge_index, edge_attr = self.edge_embedding.self_loops(edge_index, edge_attr, num_nodes)
        source, target = edge_index
        dtype = self.weight_linear.weight.dtype
        z = self.weight_linear(x)
        embedded = self.edge_embedding(edge_attr)
        with torch.autocast(x.device.type, enabled=False):
            z = z.to(dtype).view(num_nodes, self.heads, self.width)
            messages = z[source]
            if embedded is not None:
                messages = messages + embedded.to(dtype).view(-1, self.heads, self.width)
            att = self.att.to(dtype)
            logits = (z[target] * att[..., : self.width]).sum(-1) + (
                messages * att[..., self.width :]
            ).sum(-1)
            logits = F.leaky_relu(logits, self.negative_slope)
            alpha = softmax(logits, target, num_nodes=num_nodes)
            out = z.new_zeros(num_nodes, self.heads, self.width)
            out.index_add_(0, target, messages * alpha.unsqueeze(-1))
            result: Tensor = out.mean(dim=1) + self.bias.to(dtype)
        return result
