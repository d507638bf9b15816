"""Hallucinated positives (Hallucinator): an extra view made in feature space.

Wu et al., "Hallucination Improves the Performance of Unsupervised Visual Representation
Learning", ICCV 2023. From two views ``z1, z2`` a third positive is extrapolated in feature space
towards what makes the contrastive task harder, then smoothed by a small non-linear network so
that it stays a plausible sample:

    d  = grad_{z1} NT-Xent(z1, z2) / ||.||      (no gradient through d)
    z3 = h(z1 + step * ||z1|| * d),   h(x) = x + W2 relu(W1 x)   (learnable smoothing)
    L  = NT-Xent(z1, z2) + 1/2 * [NT-Xent(z1, z3) + NT-Xent(z2, z3)]

The hallucinated view adds positives without another encoder pass. ``h`` is a residual MLP,
initialised near the identity (W2 = 0), trained with the rest of the model.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.nt_xent import NTXent
from graphcl.losses.registry import LOSSES


@LOSSES.register("hallucinator")
class Hallucinator(nn.Module):
    """NT-Xent with an extra hallucinated positive view.

    Args:
        dim: D, the embedding width (for the smoothing network).
        step: ``> 0``, extrapolation length relative to each embedding's norm.
        hidden: width of the smoothing network (default D).
        **kwargs: NT-Xent options (temperature, gather_distributed, chunk_size, ...).

    Shape:
        ``loss(z1, z2)``: (N, D) each -> scalar.
    """

    def __init__(self, dim: int, step: float = 0.1, hidden: int | None = None, **kwargs: Any):
        super().__init__()
        self.step = checks.positive("step", step)
        self.nt_xent = NTXent(**kwargs)
        width = hidden or dim
        self.smooth_in = nn.Linear(dim, width)
        self.smooth_out = nn.Linear(width, dim)
        nn.init.zeros_(self.smooth_out.weight)
        nn.init.zeros_(self.smooth_out.bias)

    def hallucinate(self, z1: Tensor, z2: Tensor) -> Tensor:
        """The smoothed extrapolated view. Shape: (N, D) -> (N, D)."""
        with torch.enable_grad():
            probe = z1.detach().requires_grad_(True)
            (direction,) = torch.autograd.grad(self.nt_xent(probe, z2.detach()), probe)
        shift = self.step * z1.detach().norm(dim=1, keepdim=True) * F.normalize(direction, dim=1)
        x = z1 + shift
        return x + self.smooth_out(torch.relu(self.smooth_in(x)))

    def forward(self, z1: Tensor, z2: Tensor) -> Tensor:
        checks.views("hallucinator", [z1, z2], minimum=2, samples=2)
        z3 = self.hallucinate(z1, z2)
        extra = (self.nt_xent(z1, z3) + self.nt_xent(z2, z3)) / 2
        return self.nt_xent(z1, z2) + extra
