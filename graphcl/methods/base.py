"""The method interface: views + encoder + head + loss, as one module the trainer drives."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
from torch import Tensor, nn
from torch_geometric.data import Batch

from graphcl.encoders.base import GraphEncoder


def projection_head(width: int, out: int) -> nn.Module:
    """The projection head of contrastive methods, ``Linear-ReLU-Linear``. Shape: (G, width) ->
    (G, out)."""
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, out))


class ContrastiveMethod(nn.Module, ABC):
    """A self-supervised objective over mini-batches of graphs.

    ``forward(batch, generator)`` returns the scalar loss of one batch (so that DDP can wrap the
    method). Subclasses hold the encoder as :attr:`encoder`; what they learn besides it
    (projection heads ...) is discarded after pre-training.

    Attributes:
        encoder: the graph encoder being pre-trained.
        featurizer: name of the featurizer whose graphs it reads (recorded in checkpoints).
        config: constructor arguments as plain data, for the run record.
    """

    encoder: GraphEncoder

    def __init__(self, featurizer: str, **config: Any) -> None:
        super().__init__()
        self.featurizer = featurizer
        self.config: dict[str, Any] = config

    @abstractmethod
    def forward(self, batch: Batch, generator: torch.Generator | None = None) -> Tensor:
        """Loss of one batch (views are drawn from ``generator``)."""

    def other_encoders(self) -> dict[str, GraphEncoder]:
        """Further pre-trained encoders worth keeping, by role (saved as ``<role>_encoder.pt``
        beside ``encoder.pt``); none by default."""
        return {}
