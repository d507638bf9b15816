"""Prediction heads and the encoder + head property model."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder


class PredictionHead(nn.Module):
    """Linear layer, or an MLP when ``hidden`` widths are given, from graph embeddings to tasks.

    Args:
        in_dim: graph-embedding width.
        num_tasks: outputs (one logit or value per task).
        hidden: widths of hidden layers (empty: a single linear layer, as in pretrain-gnns).
        dropout: dropout before each hidden layer's linear map.

    Shape:
        (G, in_dim) -> (G, num_tasks).
    """

    def __init__(
        self, in_dim: int, num_tasks: int, hidden: Sequence[int] = (), dropout: float = 0.0
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_dim
        for size in hidden:
            layers += [nn.Dropout(dropout), nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, num_tasks))
        self.net = nn.Sequential(*layers)
        self.config = {"hidden": list(hidden), "dropout": dropout}

    def forward(self, embeddings: Tensor) -> Tensor:
        out: Tensor = self.net(embeddings)
        return out


class PropertyModel(nn.Module):
    """A graph encoder followed by a prediction head.

    Shape:
        batch of G graphs -> (G, num_tasks) logits (classification) or standardized values
        (regression).
    """

    def __init__(self, encoder: GraphEncoder, head: PredictionHead) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def forward(self, batch: Batch) -> Tensor:
        out: Tensor = self.head(self.encoder(batch))
        return out
