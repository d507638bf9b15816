"""Off-diagonal information distillation for continual contrastive training (Mod-X).

Ni et al., "Continual Vision-Language Representation Learning with Off-Diagonal Information",
ICML 2023. While training a new model on current data, the old model's contrastive matrix on
the same data is kept: each row distribution of the new matrix is pulled towards the old one
(the off-diagonal entries carry the old model's knowledge of which pairs are alike):

    S = a . b^T / T (new model), S_old = a_old . b_old^T / T (old model, no gradient)
    KD = 1/2 * [ mean_i KL(softmax(S_old_i.) || softmax(S_i.))
               + mean_j KL(softmax(S_old_.j) || softmax(S_.j)) ]
    L = CLIP(a, b) + lambda * KD
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.clip import CLIP
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


@LOSSES.register("modx")
class ModX(nn.Module):
    """CLIP loss plus KL distillation of the old model's contrastive rows.

    Args:
        temperature: ``T > 0`` of both the contrastive and the distillation matrices.
        distill_weight: ``lambda >= 0``.
        gather_distributed: candidates from every process.

    Shape:
        ``loss(a, b, old=(a_old, b_old))``: all (N, D) -> scalar.
    """

    def __init__(
        self,
        temperature: float = 0.07,
        distill_weight: float = 1.0,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.clip = CLIP(temperature, gather_distributed=gather_distributed)
        self.distill_weight = checks.non_negative("distill_weight", distill_weight)
        self.gather_distributed = gather_distributed

    def forward(self, a: Tensor, b: Tensor, old: tuple[Tensor, Tensor]) -> Tensor:
        if len(old) != 2:
            raise ValueError("modx: old must be (a_old, b_old)")
        checks.views("modx", [a, b, *old], samples=2)
        a_n, b_n = F.normalize(a, dim=1), F.normalize(b, dim=1)
        a_old, b_old = (F.normalize(o.detach(), dim=1) for o in old)
        t = self.clip.temperature
        kd = a.new_zeros(())
        for new_anchor, new_other, old_anchor, old_other in (
            (a_n, b_n, a_old, b_old),
            (b_n, a_n, b_old, a_old),
        ):
            new_candidates = gathered(new_other, self.gather_distributed)[0]
            with torch.no_grad():
                old_candidates = gathered(old_other, self.gather_distributed)[0]
                target = torch.log_softmax(old_anchor @ old_candidates.T / t, dim=1)
            log_p = torch.log_softmax(new_anchor @ new_candidates.T / t, dim=1)
            kd = kd + F.kl_div(log_p, target, log_target=True, reduction="batchmean")
        return self.clip(a, b) + self.distill_weight * kd / 2
