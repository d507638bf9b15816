"""Embedding of categorical atom and bond features (one table per column, summed)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class CategoricalEmbedding(nn.Module):
    """Sum of one embedding per categorical column (OGB's ``AtomEncoder``/``BondEncoder``).

    Column ``i`` gets ``dims[i] + extra_tokens`` rows: the featurizer's categories plus the reserved
    special tokens (mask token for atoms; self-loop and added-edge tokens for bonds; see
    :mod:`graphcl.featurization.base`). The sum runs as one ``embedding_bag`` over the stacked
    tables rather than one lookup and one addition per column.

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
        sizes = [d + extra_tokens for d in self.dims]
        self.tables = nn.ModuleList(nn.Embedding(size, embedding_dim) for size in sizes)
        for table in self.tables:
            assert isinstance(table, nn.Embedding)
            nn.init.xavier_uniform_(table.weight)
        starts = torch.tensor([0, *sizes[:-1]]).cumsum(0)
        self.register_buffer("starts", starts, persistent=False)
        self.num_rows = sum(sizes)

    def weight(self) -> Tensor:
        """The tables stacked row-wise. Shape: (sum of column sizes, embedding_dim)."""
        return torch.cat([table.weight for table in self.tables])  # type: ignore[misc]

    def rows(self, features: Tensor) -> Tensor:
        """Row of :meth:`weight` for every category. Shape: (N, C) -> (N, C)."""
        if features.dim() != 2 or features.shape[1] != len(self.tables):
            raise ValueError(
                f"expected categorical features of shape (N, {len(self.tables)}), "
                f"got {tuple(features.shape)}"
            )
        return features + self.get_buffer("starts")

    def forward(self, features: Tensor) -> Tensor:
        return F.embedding_bag(self.rows(features), self.weight(), mode="sum")

    def counts(self, features: Tensor, index: Tensor, size: int) -> Tensor:
        """How often each category occurs among the rows of ``features`` grouped by ``index``
        (row ``r`` in group ``index[r]``); ``counts(...) @ weight()`` sums their embeddings per
        group, for example the bond embeddings of every node's incoming edges.

        Shape: features (E, C), index (E,) -> (size, sum of column sizes), float.
        """
        flat = (index.unsqueeze(1) * self.num_rows + self.rows(features)).flatten()
        counts = torch.bincount(flat, minlength=size * self.num_rows)
        return counts.view(size, self.num_rows).float()


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
