"""Balanced Softmax cross-entropy for long-tailed classification.

Ren et al., "Balanced Meta-Softmax for Long-Tailed Visual Recognition", NeurIPS 2020; used by
CircuitGCL for capacitance classes. The logits are shifted by the log class prior of the
training set before the softmax:

    L = CE( logits + log(n_c / sum n), y )

which makes the softmax an unbiased estimate under a balanced test distribution. Predict with
the plain logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.registry import LOSSES


@LOSSES.register("balanced_softmax")
class BalancedSoftmax(nn.Module):
    """Cross-entropy on logits plus the log training prior.

    Args:
        class_counts: training samples per class, each > 0.

    Shape:
        ``loss(logits, labels=y)``: logits (N, C), y (N,) in 0..C-1 -> scalar.
    """

    log_prior: Tensor

    def __init__(self, class_counts: Sequence[float]) -> None:
        super().__init__()
        counts = torch.tensor(list(class_counts), dtype=torch.float64)
        if counts.dim() != 1 or len(counts) < 2 or bool((counts <= 0).any()):
            raise ValueError(
                f"class_counts must list at least two counts > 0, got {list(class_counts)}"
            )
        self.register_buffer("log_prior", (counts / counts.sum()).log())

    def forward(self, logits: Tensor, labels: Tensor) -> Tensor:
        if logits.dim() != 2 or logits.shape[1] != self.log_prior.shape[0]:
            raise ValueError(
                f"balanced_softmax: logits must be (N, {self.log_prior.shape[0]}), got "
                f"{tuple(logits.shape)}"
            )
        checks.rows("balanced_softmax", "labels", labels, logits.shape[0])
        checks.finite("balanced_softmax", logits)
        return F.cross_entropy(logits + self.log_prior.to(logits.dtype), labels.long())
