"""GCN with bond embeddings (the pretrain-gnns GCN variant).

Kipf and Welling, "Semi-Supervised Classification with Graph Convolutional Networks", ICLR 2017,
with the edge-feature extension of Hu et al. (ICLR 2020): after a linear map, each node receives
``sum_j norm_ij * (W h_j + e_ji)`` over its neighbours and itself, with the symmetric
normalisation ``norm_ij = 1 / sqrt(deg_i * deg_j)`` (degrees counting the self-loop).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import degree

from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding, with_self_loops
from graphcl.featurization import BOND_SPECIAL_TOKENS


class BondGCNConv(MessagePassing):
    """One GCN layer whose messages include a bond embedding.

    Shape:
        x (N, hidden), edge_index (2, E), edge_attr (E, B) -> (N, hidden).
    """

    def __init__(self, hidden: int, bond_feature_dims: Sequence[int]) -> None:
        super().__init__(aggr="add")
        self.bond_dims = tuple(bond_feature_dims)
        self.linear = nn.Linear(hidden, hidden)
        self.bond_embedding = CategoricalEmbedding(self.bond_dims, hidden, BOND_SPECIAL_TOKENS)

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        num_nodes = x.shape[0]
        edge_index, edge_attr = with_self_loops(edge_index, edge_attr, self.bond_dims, num_nodes)
        row, col = edge_index
        deg = degree(col, num_nodes, dtype=x.dtype)
        norm = deg.rsqrt()[row] * deg.rsqrt()[col]
        return self.propagate(
            edge_index, x=self.linear(x), edge_embedding=self.bond_embedding(edge_attr), norm=norm
        )

    def message(self, x_j: Tensor, edge_embedding: Tensor, norm: Tensor) -> Tensor:
        return norm.unsqueeze(-1) * (x_j + edge_embedding)


class GCN(ConvStackEncoder):
    """GCN encoder over categorical atom and bond features.

    Args:
        atom_feature_dims: vocabulary size of each atom column.
        bond_feature_dims: vocabulary size of each bond column.
        num_layers: message-passing layers.
        hidden: embedding width.
        dropout: dropout after every layer.
        pooling: graph readout, ``mean``, ``sum`` or ``max``.

    Shape:
        batch with N nodes in G graphs -> node embeddings (N, hidden), graph embeddings (G, hidden).
    """

    def __init__(
        self,
        atom_feature_dims: Sequence[int],
        bond_feature_dims: Sequence[int],
        num_layers: int = 5,
        hidden: int = 300,
        dropout: float = 0.5,
        pooling: str = "mean",
    ) -> None:
        convs = [BondGCNConv(hidden, bond_feature_dims) for _ in range(num_layers)]
        super().__init__(atom_feature_dims, bond_feature_dims, convs, hidden, dropout, pooling)
