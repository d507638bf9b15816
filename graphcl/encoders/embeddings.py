"""Embedding of categorical atom and bond features (one table per column, summed)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class CategoricalEmbedding(nn.Module):
    """Sum of one embedding per categorical column (OGB's ``AtomEncoder``/``BondEncoder``).

    Column ``i`` gets ``dims[i] + extra_tokens`` rows: the featurizer's categories plus the reserved
    special tokens (mask token for atoms; self-loop and added-edge tokens for bonds; see
    :mod:`graphcl.featurization.base`).

    Args:
        dims: vocabulary size of each column.
        embedding_dim: output width.
        extra_tokens: reserved rows after each column's vocabulary.

    Shape:
        input (N, len(dims)) integer categories -> output (N, embedding_dim).
    """

    def __init__(self, dims: Sequence[int], embedding_dim: int, extra_tokens: int = 0) -> None:
        super().__init__()
        self.dims = tuple(int(d) for d in dims)
        self.tables = nn.ModuleList(
            nn.Embedding(d + extra_tokens, embedding_dim) for d in self.dims
        )
        for table in self.tables:
            assert isinstance(table, nn.Embedding)
            nn.init.xavier_uniform_(table.weight)

    def forward(self, features: Tensor) -> Tensor:
        if features.dim() != 2 or features.shape[1] != len(self.tables):
            raise ValueError(
                f"expected categorical features of shape (N, {len(self.tables)}), "
                f"got {tuple(features.shape)}"
            )
        out = self.tables[0](features[:, 0])
        for column, table in enumerate(self.tables[1:], start=1):
            out = out + table(features[:, column])
        return out


def with_self_loops(
    edge_index: Tensor, edge_attr: Tensor, bond_feature_dims: Sequence[int], num_nodes: int
) -> tuple[Tensor, Tensor]:
    """Append a self-loop to every node, its bond features set to the reserved self-loop token
    (``bond_feature_dims[j]`` in column ``j``).

    Shape:
        edge_index (2, E), edge_attr (E, B) -> (2, E + num_nodes), (E + num_nodes, B).
    """
    loops = torch.arange(num_nodes, device=edge_index.device)
    token = torch.tensor(list(bond_feature_dims), dtype=edge_attr.dtype, device=edge_attr.device)
    return (
        torch.cat([edge_index, loops.expand(2, -1)], dim=1),
        torch.cat([edge_attr, token.expand(num_nodes, -1)]),
    )
