"""Reliability-weighted InfoNCE (ISR): noisy positive pairs count less.

For per-pair reliabilities ``r_i`` in [0, 1] (e.g. agreement of the two views' pseudo-labels, or
a model's confidence that the pair is a true positive), each NT-Xent term is scaled:

    L = 1/|A| * sum_{i in A} r_{pair(i)} * l_i

where ``l_i`` are the per-anchor terms of :class:`~graphcl.losses.nt_xent.NTXent` (both views'
anchors with the default ``symmetric=True``). All reliabilities 1 give NT-Xent; a pair with
reliability 0 still serves as a negative for the others but is not pulled together.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from graphcl.losses import checks
from graphcl.losses.nt_xent import NTXent
from graphcl.losses.registry import LOSSES


@LOSSES.register("reliability_infonce")
class ReliabilityInfoNCE(nn.Module):
    """NT-Xent with per-positive-pair reliability weights.

    Args:
        **kwargs: NT-Xent's options (temperature, intra_view_negatives,
            positive_in_denominator, symmetric, gather_distributed, chunk_size).

    Shape:
        ``loss(z1, z2, reliability=r)``: views (N, D), r (N,) in [0, 1] (None: all 1) ->
        scalar. The reliabilities receive no gradient.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.nt_xent = NTXent(**kwargs)

    def forward(self, z1: Tensor, z2: Tensor, reliability: Tensor | None = None) -> Tensor:
        terms = self.nt_xent.terms(z1, z2)
        if reliability is None:
            return terms.mean()
        if reliability.shape != (z1.shape[0],):
            raise ValueError(
                f"reliability_infonce: reliability must have shape ({z1.shape[0]},), got "
                f"{tuple(reliability.shape)}"
            )
        checks.finite("reliability_infonce", reliability)
        if bool((reliability < 0).any() or (reliability > 1).any()):
            raise ValueError("reliability_infonce: reliabilities must lie in [0, 1]")
        weights = reliability.detach().to(terms.dtype).repeat(terms.shape[0] // z1.shape[0])
        return (weights * terms).mean()
