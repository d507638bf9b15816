"""NT-Xent / InfoNCE: normalized-temperature cross-entropy between two views.

Chen et al., "A Simple Framework for Contrastive Learning of Visual Representations" (SimCLR),
ICML 2020; used by GraphCL (You et al., NeurIPS 2020) and GRACE.

For L2-normalised embeddings and ``s(a, b) = a . b / T``, anchor ``u_i`` (view 1, row ``i``) with
positive ``v_i`` (view 2, row ``i``) has the loss

    l_i = -log( exp(s(u_i, v_i)) / D_i ),
    D_i = [exp(s(u_i, v_i))]                    if positive_in_denominator
          + sum_{j != i} exp(s(u_i, v_j))       cross-view negatives
          + sum_{j != i} exp(s(u_i, u_j))       if intra_view_negatives

and symmetrically for anchors of view 2. The loss is the mean over anchors (both views when
``symmetric``). SimCLR is the default (both options on: 2N - 2 negatives, positive in the
denominator; the value is ``log(2N - 1)`` when all embeddings are identical). GraphCL's molecular
code uses ``intra_view_negatives=False, positive_in_denominator=False, symmetric=False`` (the
loss can then be negative) at ``T = 0.1``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.chunked import row_logsumexp
from graphcl.losses.layout import view_layout
from graphcl.losses.registry import LOSSES


@LOSSES.register("nt_xent")
class NTXent(nn.Module):
    """NT-Xent between two views of the same N samples.

    Args:
        temperature: ``T > 0``; smaller is sharper.
        intra_view_negatives: also contrast each anchor with the other samples of its own view.
        positive_in_denominator: keep the positive pair in the softmax denominator.
        symmetric: average over anchors of both views (else view-1 anchors only).
        gather_distributed: under ``torch.distributed``, contrast each local anchor with the
            embeddings of every process (gathered with gradient), so the loss and gradients equal
            single-process training on the concatenated batch.
        chunk_size: None computes the (2N, 2N) similarity matrix at once; an integer computes
            that many rows at a time and recomputes them in the backward pass (peak memory
            O(chunk_size * N) instead of O(N^2); same value and gradient), for node-level
            contrast over tens of thousands of nodes.

    Shape:
        z1, z2: (N, D) embeddings of the two views, row ``i`` of both being the same sample.
        Output: scalar.

    Raises:
        ValueError: temperature <= 0; z1 and z2 of different or non-2-D shapes; fewer than two
            samples; non-finite embeddings (the message says which).

    Example:
        >>> loss = NTXent(temperature=0.5)
        >>> z = torch.ones(4, 8)
        >>> round(loss(z, z).item(), 4)  # log(2N - 1) with N = 4
        1.9459
    """

    def __init__(
        self,
        temperature: float = 0.1,
        intra_view_negatives: bool = True,
        positive_in_denominator: bool = True,
        symmetric: bool = True,
        gather_distributed: bool = True,
        chunk_size: int | None = None,
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.intra_view_negatives = intra_view_negatives
        self.positive_in_denominator = positive_in_denominator
        self.symmetric = symmetric
        self.gather_distributed = gather_distributed
        self.chunk_size = checks.chunk(chunk_size)

    def forward(self, z1: Tensor, z2: Tensor) -> Tensor:
        return self.terms(z1, z2).mean()

    def terms(self, z1: Tensor, z2: Tensor) -> Tensor:
        """The per-anchor losses ``l_i``: view-1 anchors, then view-2 anchors if symmetric.

        Shape: z1, z2 (N, D) -> (2N,) or (N,).
        """
        n = checks.views("NT-Xent", [z1, z2], minimum=2, samples=2)
        layout = view_layout(
            [F.normalize(z1, dim=1), F.normalize(z2, dim=1)], self.gather_distributed
        )
        count = 2 * n if self.symmetric else n  # anchors: both views, or view 1 only
        anchors, candidates, total = layout.anchors[:count], layout.candidates, layout.total
        self_column = layout.columns[:count]  # an anchor is never its own negative
        positive = layout.columns.roll(n)[:count]  # the same sample in the other view
        view = torch.arange(count, device=z1.device) >= n  # the anchor's view (0 or 1)
        if self.intra_view_negatives:
            lo = torch.zeros(count, dtype=torch.long, device=z1.device)
            hi = lo + 2 * total
        else:  # only the other view's block
            lo = (~view).long() * total
            hi = lo + total
        excluded = [self_column] if self.positive_in_denominator else [self_column, positive]
        columns = torch.stack(excluded, dim=1)
        positive_logit = (anchors * candidates[positive]).sum(1) / self.temperature
        denominator = row_logsumexp(
            anchors, candidates, lo, hi, columns, self.temperature, self.chunk_size
        )
        return denominator - positive_logit
