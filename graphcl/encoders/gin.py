"""GIN with bond embeddings, as in pretrain-gnns (the encoder of GraphCL and most transfer work).

Hu et al., "Strategies for Pre-training Graph Neural Networks", ICLR 2020. Each layer adds a
self-loop to every node, sums ``h_j + e_ij`` over incoming edges (``e_ij`` from the layer's own
bond embedding; self-loops use the reserved self-loop token), and applies a two-layer MLP
(width ``2 * hidden``); then batch norm, ReLU (not after the last layer) and dropout. Node
embeddings are those of the last layer; graphs are mean-pooled by default.

The sum is computed as ``A h + C W``: ``A`` the sparse adjacency with self-loops (one sparse-dense
product instead of gathering an (E, hidden) message tensor) and ``C`` the count of each bond
category among a node's incoming edges times the stacked bond tables ``W``. The value is the
same; the sum runs about 5x faster on CPU than gathering messages per edge (the MLP dominates a
training step, so a whole step gains ~1.1x). ``A`` and ``C`` are built once per batch and shared
by all layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch

from graphcl.encoders.conv_stack import ConvStackEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding, with_self_loops
from graphcl.featurization import BOND_SPECIAL_TOKENS


class Neighbourhood(NamedTuple):
    """What every GIN layer of a batch sums over.

    Attributes:
        adjacency: sparse (N, N), entry (i, j) = number of edges j -> i, self-loops included.
        bond_counts: (N, K), how often each bond category (rows of the stacked bond tables)
            occurs among the edges into node i, self-loop tokens included.
    """

    adjacency: Tensor
    bond_counts: Tensor


def neighbourhood(
    edge_index: Tensor, edge_attr: Tensor, bond_embedding: CategoricalEmbedding, num_nodes: int
) -> Neighbourhood:
    """Build the :class:`Neighbourhood` of a graph (or batch). Shape: edge_index (2, E)."""
    edge_index, edge_attr = with_self_loops(edge_index, edge_attr, bond_embedding.dims, num_nodes)
    ones = torch.ones(edge_index.shape[1], device=edge_index.device)
    adjacency = torch.sparse_coo_tensor(
        edge_index.flip(0), ones, (num_nodes, num_nodes), check_invariants=False
    )
    counts = bond_embedding.counts(edge_attr, edge_index[1], num_nodes)
    return Neighbourhood(adjacency.coalesce(), counts)


class GINEConv(nn.Module):
    """One pretrain-gnns GIN layer with edge features.

    ``h_i' = MLP( sum_{j in N(i) + {i}} (h_j + e_ji) )``

    Args:
        hidden: node width (input and output).
        bond_feature_dims: vocabulary size of each bond column.

    Shape:
        x (N, hidden), edge_index (2, E), edge_attr (E, B) -> (N, hidden).
    """

    def __init__(self, hidden: int, bond_feature_dims: Sequence[int]) -> None:
        super().__init__()
        self.bond_dims = tuple(bond_feature_dims)
        self.bond_embedding = CategoricalEmbedding(self.bond_dims, hidden, BOND_SPECIAL_TOKENS)
        self.mlp = nn.Sequential(
            nn.Linear(hidden, 2 * hidden), nn.ReLU(), nn.Linear(2 * hidden, hidden)
        )

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor,
        around: Neighbourhood | None = None,
    ) -> Tensor:
        """``around``: the batch's :class:`Neighbourhood`, when the caller built it already."""
        if around is None:
            around = neighbourhood(edge_index, edge_attr, self.bond_embedding, x.shape[0])
        weight = self.bond_embedding.weight()
        dtype = weight.dtype  # the sparse product runs outside autocast, in the parameters' dtype
        with torch.autocast(x.device.type, enabled=False):
            summed = torch.sparse.mm(around.adjacency.to(dtype), x.to(dtype))
            summed = summed + around.bond_counts.to(dtype) @ weight
        out: Tensor = self.mlp(summed)
        return out


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

    def layer_inputs(self, batch: Batch) -> tuple[Tensor, Tensor, Neighbourhood]:
        first = self.convs[0]
        assert isinstance(first, GINEConv)
        around = neighbourhood(
            batch.edge_index, batch.edge_attr, first.bond_embedding, batch.num_nodes
        )
        return batch.edge_index, batch.edge_attr, around
