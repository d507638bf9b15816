"""Supervised losses of property prediction with missing labels masked out."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F


def masked_bce_with_logits(logits: Tensor, labels: Tensor) -> Tensor:
    """Binary cross-entropy averaged over present labels only (pretrain-gnns' masked loss).

    Args:
        logits: Shape: (B, T).
        labels: 0/1 with NaN for missing. Shape: (B, T).

    Returns:
        Scalar: sum of per-label losses over present labels / number of present labels
        (zero, with gradient, when no label is present).
    """
    present = ~torch.isnan(labels)
    targets = torch.where(present, labels, torch.zeros_like(labels))
    losses = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return (losses * present).sum() / present.sum().clamp(min=1)


def masked_mse(predictions: Tensor, targets: Tensor) -> Tensor:
    """Mean squared error over present targets only.

    Shape: predictions, targets (B, T); NaN in ``targets`` = missing. Returns a scalar.
    """
    present = ~torch.isnan(targets)
    diff = torch.where(present, predictions - targets, torch.zeros_like(predictions))
    return (diff**2).sum() / present.sum().clamp(min=1)


TASK_LOSSES = {"classification": masked_bce_with_logits, "regression": masked_mse}
