"""Supervised contrastive loss (SupCon).

Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020, eq. 2 (L^sup_out). Over the
M = V * N embeddings of V views of N labelled samples (L2-normalised, ``s(a, b) = a . b / T``),
anchor ``i`` has positives ``P(i) = {p != i : y_p = y_i}`` and contrasts against every other
embedding ``A(i) = {a != i}``:

    l_i = -1/|P(i)| * sum_{p in P(i)} log( exp(s(z_i, z_p)) / sum_{a in A(i)} exp(s(z_i, z_a)) )
        = LSE_{a in A(i)} s(z_i, z_a) - z_i . (sum_{p in P(i)} z_p) / (T |P(i)|)

The loss is the mean of ``l_i`` over anchors with at least one positive. The second form needs
only per-class sums, so the positive term is O(M * D) and the denominator can use the chunked
log-sum-exp (``chunk_size``). With each sample its own class and two views it is SimCLR's NT-Xent.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.chunked import row_logsumexp
from graphcl.losses.layout import view_layout
from graphcl.losses.registry import LOSSES


@LOSSES.register("supcon")
class SupCon(nn.Module):
    """Supervised contrastive loss over one or more views.

    Args:
        temperature: ``T > 0``.
        chunk_size: None for a dense (M, M) similarity matrix; k to compute k rows at a time.
        gather_distributed: under ``torch.distributed``, contrast with every process's
            embeddings (gathered with gradient) and labels.

    Shape:
        ``loss(z, labels=y)`` or ``loss(z1, z2, ..., labels=y)``: each view (N, D), labels (N,)
        integers (any values) -> scalar.

    Raises:
        ValueError: temperature <= 0; views of different shapes; labels of the wrong length;
            non-finite embeddings; no anchor has a positive.

    Example:
        >>> loss = SupCon(temperature=0.5)
        >>> z = torch.ones(4, 8)
        >>> round(loss(z, labels=torch.zeros(4, dtype=torch.long)).item(), 4)  # log(M - 1)
        1.0986
    """

    def __init__(
        self,
        temperature: float = 0.1,
        chunk_size: int | None = None,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.chunk_size = checks.chunk(chunk_size)
        self.gather_distributed = gather_distributed

    def forward(self, *views: Tensor, labels: Tensor) -> Tensor:
        terms = self.terms(*views, labels=labels)
        if terms.numel() == 0:
            raise ValueError("SupCon: no anchor has a positive (every label occurs once)")
        return terms.mean()

    def terms(self, *views: Tensor, labels: Tensor) -> Tensor:
        """The losses ``l_i`` of the anchors that have a positive (possibly none).

        Shape: views (N, D) each, labels (N,) -> (A,) with A <= V * N.
        """
        n = checks.views("SupCon", views)
        if labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {tuple(labels.shape)}")
        layout = view_layout([F.normalize(v, dim=1) for v in views], self.gather_distributed)
        everyone = view_layout([labels.long().unsqueeze(1)], self.gather_distributed).candidates
        candidate_class = torch.unique(everyone[:, 0], return_inverse=True)[1].repeat(len(views))
        anchor_class = candidate_class[layout.columns]
        # sum of the candidates of each class, then of each anchor's positives (itself excluded)
        width = int(candidate_class.max()) + 1
        class_sum = layout.candidates.new_zeros(width, layout.candidates.shape[1])
        class_sum = class_sum.index_add(0, candidate_class, layout.candidates)
        positives = torch.bincount(candidate_class, minlength=width)[anchor_class] - 1
        positive_sum = class_sum[anchor_class] - layout.anchors
        has_positive = positives > 0
        count = layout.anchors.shape[0]
        lo = torch.zeros(count, dtype=torch.long, device=labels.device)
        hi = lo + layout.candidates.shape[0]
        denominator = row_logsumexp(
            layout.anchors,
            layout.candidates,
            lo,
            hi,
            layout.columns.unsqueeze(1),
            self.temperature,
            self.chunk_size,
        )
        attraction = (layout.anchors * positive_sum).sum(1) / self.temperature
        terms = denominator - attraction / positives.clamp(min=1)
        return terms[has_positive]
