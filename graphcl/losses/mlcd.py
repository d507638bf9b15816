"""Multi-label cluster discrimination (MLCD).

An et al., "Multi-label Cluster Discrimination for Visual Representation Learning", ECCV 2024.
Each sample takes its k nearest cluster centres as positive labels and all other centres as
negatives; with ``s_ij = cos(z_i, c_j) / T`` the positive and negative terms are separate
log-sum-exps (so many positives do not compete with each other):

    l_i = log(1 + sum_{j in neg(i)} e^{s_ij}) + log(1 + sum_{j in pos(i)} e^{-s_ij})

The centres come from offline clustering (or are learnable parameters of the model); the
positives default to the k most similar centres under the current embeddings (no gradient).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.registry import LOSSES


@LOSSES.register("mlcd")
class MLCD(nn.Module):
    """Separated positive / negative log-sum-exp over cluster centres.

    Args:
        num_positive: k positive centres per sample.
        temperature: ``T > 0``.

    Shape:
        ``loss(z, centres=c, positives=None)``: z (N, D), c (K, D) with K > k, positives (N, k)
        centre indices -> scalar.
    """

    def __init__(self, num_positive: int = 2, temperature: float = 0.1) -> None:
        super().__init__()
        if num_positive < 1:
            raise ValueError(f"num_positive must be >= 1, got {num_positive}")
        self.num_positive = num_positive
        self.temperature = checks.positive("temperature", temperature)

    def forward(self, z: Tensor, centres: Tensor, positives: Tensor | None = None) -> Tensor:
        checks.views("mlcd", [z])
        checks.finite("mlcd", centres)
        if centres.dim() != 2 or centres.shape[1] != z.shape[1]:
            raise ValueError(f"mlcd: centres must be (K, {z.shape[1]}), got {tuple(centres.shape)}")
        if centres.shape[0] <= self.num_positive:
            raise ValueError(
                f"mlcd: {centres.shape[0]} centres leave no negative for {self.num_positive} "
                "positives"
            )
        logits = F.normalize(z, dim=1) @ F.normalize(centres, dim=1).T / self.temperature
        if positives is None:
            positives = logits.detach().topk(self.num_positive, dim=1).indices
        checks.rows("mlcd", "positives", positives, z.shape[0])
        is_positive = torch.zeros_like(logits, dtype=torch.bool).scatter_(1, positives, True)
        negative = torch.logsumexp(logits.masked_fill(is_positive, float("-inf")), dim=1)
        positive = torch.logsumexp((-logits).masked_fill(~is_positive, float("-inf")), dim=1)
        return (F.softplus(negative) + F.softplus(positive)).mean()
