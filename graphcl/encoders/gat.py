"""GAT with bond features in the attention.

Veličković et al., "Graph Attention Networks", ICLR 2018, via PyG's ``GATConv`` with
``edge_dim``: the bond embedding enters each attention logit. Heads are concatenated and
projected back to ``hidden`` so layers stack; self-loops carry the reserved self-loop token.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn
from torch_geometric.nn import GATConv

from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding, with_self_loops
from graphcl.featurization import BOND_SPECIAL_TOKENS


class BondGATConv(nn.Module):
    """Multi-head attention layer over bonds, width preserved.

    Shape:
        x (N, hidden), edge_index (2, E), edge_attr (E, B) -> (N, hidden).
    """

    def __init__(self, hidden: int, bond_feature_dims: Sequence[int], heads: int) -> None:
        super().__init__()
        if hidden % heads:
            raise ValueError(f"hidden ({hidden}) must be divisible by heads ({heads})")
        self.bond_dims = tuple(bond_feature_dims)
        self.bond_embedding = CategoricalEmbedding(self.bond_dims, hidden, BOND_SPECIAL_TOKENS)
        self.conv = GATConv(
            hidden, hidden // heads, heads=heads, edge_dim=hidden, add_self_loops=False
        )

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        edge_index, edge_attr = with_self_loops(edge_index, edge_attr, self.bond_dims, x.shape[0])
        out: Tensor = self.conv(x, edge_index, self.bond_embedding(edge_attr))
        return out


class GAT(ConvStackEncoder):
    """GAT encoder over categorical atom and bond features.

    Args:
        atom_feature_dims: vocabulary size of each atom column.
        bond_feature_dims: vocabulary size of each bond column.
        num_layers: attention layers.
        hidden: embedding width (divisible by ``heads``).
        heads: attention heads per layer.
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
        heads: int = 4,
        dropout: float = 0.5,
        pooling: str = "mean",
    ) -> None:
        convs = [BondGATConv(hidden, bond_feature_dims, heads) for _ in range(num_layers)]
        super().__init__(
            atom_feature_dims, bond_feature_dims, convs, hidden, dropout, pooling, heads=heads
        )
