"""Image-text style contrast with momentum distillation (ALBEF).

Li et al., "Align before Fuse: Vision and Language Representation Learning with Momentum
Distillation", NeurIPS 2021, eqs. 1-2 and 6. Two modalities with online embeddings ``a, b`` and a
momentum (EMA) model's embeddings ``a', b'`` of the same N pairs, all L2-normalised. As in ALBEF,
online anchors are contrasted with the momentum model's candidates:

    p^{a2b}_i = softmax_j( a_i . b'_j / T ),    q^{a2b}_i = softmax_j( a'_i . b'_j / T )
    y^{a2b}_i = (1 - alpha) * onehot(i) + alpha * q^{a2b}_i
    L = 1/2 * mean_i [ H(y^{a2b}_i, p^{a2b}_i) + H(y^{b2a}_i, p^{b2a}_i) ]

(and symmetrically b against a'). ``alpha = 0`` is plain in-batch InfoNCE against momentum
candidates; ALBEF uses ``alpha = 0.4`` and ``T = 0.07``. Its feature queue is not part of the loss:
pass queued momentum features by concatenating them to the batch if wanted.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


@LOSSES.register("momentum_distillation")
class MomentumDistillation(nn.Module):
    """ALBEF's image-text contrastive loss with momentum-distilled soft targets.

    Args:
        temperature: ``T > 0``.
        alpha: weight of the momentum model's soft targets, in [0, 1].
        gather_distributed: momentum candidates from every process.

    Shape:
        ``loss(a, b, momentum=(a_m, b_m))``: all (N, D) -> scalar. ``a_m``, ``b_m`` come from
        the momentum model and receive no gradient.

    Example:
        >>> loss = MomentumDistillation(alpha=0.4)
        >>> a, b = torch.randn(8, 4), torch.randn(8, 4)
        >>> loss(a, b, momentum=(a, b)).shape
        torch.Size([])
    """

    def __init__(
        self, temperature: float = 0.07, alpha: float = 0.4, gather_distributed: bool = True
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.alpha = checks.fraction("alpha", alpha)
        self.gather_distributed = gather_distributed

    def forward(self, a: Tensor, b: Tensor, momentum: tuple[Tensor, Tensor]) -> Tensor:
        if len(momentum) != 2:
            raise ValueError("momentum_distillation: momentum must be (a_m, b_m)")
        checks.views("momentum_distillation", [a, b, *momentum], samples=2)
        a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
        a_m, b_m = (F.normalize(m.detach(), dim=1) for m in momentum)
        total = a.new_zeros(())
        for online, own_momentum, other_momentum in ((a, a_m, b_m), (b, b_m, a_m)):
            candidates, own = gathered(other_momentum, self.gather_distributed)
            log_p = torch.log_softmax(online @ candidates.T / self.temperature, dim=1)
            soft = torch.softmax(own_momentum @ candidates.T / self.temperature, dim=1)
            hard = F.one_hot(own, candidates.shape[0]).to(soft.dtype)
            target = (1 - self.alpha) * hard + self.alpha * soft
            total = total - (target * log_p).sum(1).mean()
        return total / 2
