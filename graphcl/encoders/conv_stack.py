"""The layer stack shared by the molecular GNN encoders (GIN, GCN, GAT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn
from torch.nn import functional as F
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.embeddings import CategoricalEmbedding
from graphcl.featurization import ATOM_SPECIAL_TOKENS


class ConvStackEncoder(GraphEncoder):
    """Atom embedding, then per layer: conv -> batch norm -> ReLU (not after the last layer) ->
    dropout, as in pretrain-gnns. Subclasses choose the convolution.

    Args:
        atom_feature_dims: vocabulary size of each atom column.
        bond_feature_dims: vocabulary size of each bond column (used by the convolutions).
        convs: one layer module per message-passing step, each called as
            ``conv(h, edge_index, edge_attr)`` and mapping (N, hidden) to (N, hidden).
        hidden: embedding width.
        dropout: dropout probability after every layer.
        pooling: graph readout name.
        **config: further constructor arguments to record in :attr:`config`.
    """

    def __init__(
        self,
        atom_feature_dims: Sequence[int],
        bond_feature_dims: Sequence[int],
        convs: Sequence[nn.Module],
        hidden: int,
        dropout: float,
        pooling: str,
        **config: Any,
    ) -> None:
        if not convs:
            raise ValueError("num_layers must be >= 1, got 0")
        super().__init__(pooling, hidden=hidden, dropout=dropout, num_layers=len(convs), **config)
        self.out_dim = hidden
        self.atom_feature_dims = tuple(atom_feature_dims)
        self.bond_feature_dims = tuple(bond_feature_dims)
        self.dropout = dropout
        self.atom_embedding = CategoricalEmbedding(atom_feature_dims, hidden, ATOM_SPECIAL_TOKENS)
        self.convs = nn.ModuleList(convs)
        self.norms = nn.ModuleList(nn.BatchNorm1d(hidden) for _ in convs)

    def layer_inputs(self, batch: Batch) -> tuple[Any, ...]:
        """The arguments after ``h`` of every layer call, built once per batch
        (default: ``edge_index, edge_attr``)."""
        return batch.edge_index, batch.edge_attr

    def node_embeddings(self, batch: Batch) -> Tensor:
        h = self.atom_embedding(batch.x)
        inputs = self.layer_inputs(batch)
        last = len(self.convs) - 1
        for layer, (conv, norm) in enumerate(zip(self.convs, self.norms, strict=True)):
            h = norm(conv(h, *inputs))
            if layer != last:
                h = F.relu(h)
            h = F.dropout(h, self.dropout, training=self.training)
        return h
