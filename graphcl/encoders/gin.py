"""GIN with bond embeddings, as in pretrain-gnns (the encoder of GraphCL and most transfer work).

Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020. Each layer adds a
self-loop to every node, sums ``h_j + e_ij`` over incoming edges (``e_ij`` from the layer's own
bond embedding; self-loops use the reserved self-loop token), and applies a two-layer MLP
(width ``2 * hidden``); then batch norm, ReLU (not after the last layer) and dropout. Node
embeddings are those of the last layer; graphs are mean-pooled by default.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn
from torch_geometric.nn import MessagePassing

from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding, with_self_loops
from graphcl.featurization import BOND_SPECIAL_TOKENS


class GINEConv(MessagePassing):
    """One pretrain-gnns GIN layer with edge features.

    ``h_i' = MLP( sum_{j in N(i) + {i}} (h_j + e_ji) )``

    Args:
        hidden: node width (input and output).
        bond_feature_dims: vocabulary size of each bond column.

    Shape:
        x (N, hidden), edge_index (2, E), edge_attr (E, B) -> (N, hidden).
    """

    def __init__(self, hidden: int, bond_feature_dims: Sequence[int]) -> None:
        super().__init__(aggr="add")
        self.bond_dims = tuple(bond_feature_dims)
        self.bond_embedding = CategoricalEmbedding(self.bond_dims, hidden, BOND_SPECIAL_TOKENS)
        self.mlp = nn.Sequential(
            nn.Linear(hidden, 2 * hidden), nn.ReLU(), nn.Linear(2 * hidden, hidden)
        )

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor) -> Tensor:
        edge_index, edge_attr = with_self_loops(edge_index, edge_attr, self.bond_dims, x.shape[0])
        edge_embedding = self.bond_embedding(edge_attr)
        return self.mlp(self.propagate(edge_index, x=x, edge_embedding=edge_embedding))

    def message(self, x_j: Tensor, edge_embedding: Tensor) -> Tensor:
        return x_j + edge_embedding


class GIN(ConvStackEncoder):
    """pretrain-gnns GIN encoder over categorical atom and bond features.

    Args:
        atom_feature_dims: vocabulary size of each atom column (from the featurizer).
        bond_feature_dims: vocabulary size of each bond column.
        num_layers: message-passing layers (5 in pretrain-gnns / GraphCL).
        hidden: embedding width (300).
        dropout: dropout after every layer (0.5 for fine-tuning, 0 for pre-training).
        pooling: graph readout, ``mean``, ``sum`` or ``max``.

    Shape:
        batch with N nodes in G graphs -> node embeddings (N, hidden), graph embeddings (G, hidden).

    Example:
        >>> from graphcl.featurization import OGBFeaturizer, smiles_to_graph
        >>> from torch_geometric.data import Batch
        >>> f = OGBFeaturizer()
        >>> enc = GIN(f.atom_feature_dims, f.bond_feature_dims, num_layers=2, hidden=16)
        >>> enc(Batch.from_data_list([smiles_to_graph("CCO")])).shape
        torch.Size([1, 16])
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
        convs = [GINEConv(hidden, bond_feature_dims) for _ in range(num_layers)]
        super().__init__(atom_feature_dims, bond_feature_dims, convs, hidden, dropout, pooling)
