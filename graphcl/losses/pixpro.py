"""Dense propagation consistency (PixPro) for per-element correspondences.

Xie et al., "Propagate Yourself: Exploring Pixel-Level Consistency for Unsupervised Visual
Representation Learning", CVPR 2021, sec. 3.3. Elements are pixels, or for graphs the nodes kept
in both views; row ``i`` of both views is the same element, ``batch`` says which image/graph it
belongs to. The pixel-propagation module smooths each element over the similar elements of its
own image/graph,

    y_i = sum_{j in group(i)} s(x_i, x_j) * g(x_j),   s(a, b) = max(cos(a, b), 0)^gamma

(``g`` linear, learnable) and the propagated features must agree with the other view:

    L = -1/2 * mean_i [ cos(y^1_i, x^2_i) + cos(y^2_i, x^1_i) ]

The targets ``x^2, x^1`` get no gradient (``stop_gradient``), as from PixPro's momentum
encoder. Memory is one (E, E) similarity matrix over the E elements of the batch.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.registry import LOSSES


@LOSSES.register("pixpro")
class PixPro(nn.Module):
    """Pixel/node propagation consistency between two aligned views.

    Args:
        dim: D, the element feature width.
        gamma: ``> 0``, sharpness of the propagation similarity (PixPro: 2).
        stop_gradient: no gradient through the targets.

    Shape:
        ``loss(x1, x2, batch=None)``: x1, x2 (E, D) aligned elements; batch (E,) group ids
        (None: one group) -> scalar.
    """

    def __init__(self, dim: int, gamma: float = 2.0, stop_gradient: bool = True) -> None:
        super().__init__()
        self.gamma = checks.positive("gamma", gamma)
        self.stop_gradient = stop_gradient
        self.transform = nn.Linear(dim, dim)

    def propagate(self, x: Tensor, batch: Tensor) -> Tensor:
        """``y`` of one view. Shape: (E, D), (E,) -> (E, D)."""
        unit = F.normalize(x, dim=1)
        similarity = (unit @ unit.T).clamp(min=0).pow(self.gamma)
        similarity = similarity * (batch[:, None] == batch[None, :])
        return similarity @ self.transform(x)

    def forward(self, x1: Tensor, x2: Tensor, batch: Tensor | None = None) -> Tensor:
        count = checks.views("pixpro", [x1, x2])
        if batch is None:
            batch = torch.zeros(count, dtype=torch.long, device=x1.device)
        checks.rows("pixpro", "batch", batch, count)
        total = x1.new_zeros(())
        for source, target in ((x1, x2), (x2, x1)):
            target = target.detach() if self.stop_gradient else target
            y = self.propagate(source, batch)
            total = total - F.cosine_similarity(y, target, dim=1).mean()
        return total / 2
