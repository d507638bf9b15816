"""Soft contrastive loss: targets from label-label similarity instead of one-hot positives.

Burdisso et al., "Dialog2Flow: Pre-training Soft-Contrastive Action-Driven Sentence Embeddings
for Automatic Dialog Flow Extraction", EMNLP 2024. For L2-normalised embeddings, anchor ``i``
predicts a distribution over candidates ``j``

    p_ij = softmax_j( z_i . c_j / T ),      q_ij = softmax_j( sim(y_i, y_j) / T_label )

and the loss is the cross-entropy ``-sum_j q_ij log p_ij`` averaged over anchors. ``sim`` is the
cosine of label embeddings (float labels (N, L)) or 1 for equal class ids and 0 otherwise
(integer labels (N,)). With one view the candidates are the other samples of the batch; with two
views, view 1 anchors against view 2 candidates and back (both directions averaged).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


def label_similarity(a: Tensor, b: Tensor) -> Tensor:
    """Cosine of label embeddings (N, L) x (M, L), or equality of class ids (N,) x (M,)."""
    if a.dim() == 1:
        return (a[:, None] == b[None, :]).to(torch.get_default_dtype())
    return F.normalize(a.double(), dim=1) @ F.normalize(b.double(), dim=1).T


@LOSSES.register("soft_contrastive")
class SoftContrastive(nn.Module):
    """Cross-entropy against soft targets from label similarity.

    Args:
        temperature: ``T > 0`` of the embedding similarities.
        label_temperature: ``T_label > 0`` of the label similarities (smaller: closer to
            one-hot on the most similar labels).
        gather_distributed: candidates (and their labels) from every process.

    Shape:
        ``loss(z, labels=y)`` or ``loss(z1, z2, labels=y)``: views (N, D); labels (N,) class ids
        or (N, L) label embeddings -> scalar.

    Raises:
        ValueError: bad temperatures, shapes, more than two views, non-finite input.
    """

    def __init__(
        self,
        temperature: float = 0.1,
        label_temperature: float = 0.1,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.label_temperature = checks.positive("label_temperature", label_temperature)
        self.gather_distributed = gather_distributed

    def forward(self, *views: Tensor, labels: Tensor) -> Tensor:
        n = checks.views("soft_contrastive", views, samples=2)
        if len(views) > 2:
            raise ValueError(f"soft_contrastive takes one or two views, got {len(views)}")
        checks.rows("soft_contrastive", "labels", labels, n)
        checks.finite("soft_contrastive", labels.float())
        z = [F.normalize(v, dim=1) for v in views]
        pairs = [(z[0], z[0])] if len(z) == 1 else [(z[0], z[1]), (z[1], z[0])]
        everyone_labels, own = gathered(labels, self.gather_distributed)
        targets = label_similarity(labels, everyone_labels) / self.label_temperature
        total = z[0].new_zeros(())
        for anchors, others in pairs:
            candidates, _ = gathered(others, self.gather_distributed)
            logits = anchors @ candidates.T / self.temperature
            scores = targets
            if len(z) == 1:  # an anchor is not its own candidate
                rows = torch.arange(n, device=logits.device)
                logits = logits.index_put((rows, own), logits.new_tensor(float("-inf")))
                scores = scores.index_put((rows, own), scores.new_tensor(float("-inf")))
            q = torch.softmax(scores, dim=1).to(logits.dtype)
            log_p = torch.log_softmax(logits, dim=1).masked_fill(q == 0, 0.0)
            total = total - (q * log_p).sum(1).mean()
        return total / len(pairs)
