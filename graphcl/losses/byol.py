"""BYOL's negative cosine and the exponential moving average of a target network.

Grill et al., "Bootstrap Your Own Latent", NeurIPS 2020: an online network's prediction ``p``
regresses the target network's projection ``z`` of another view,

    L = mean_i ( 2 - 2 * cos(p_i, sg(z_i)) )

(``sg``: stop-gradient), and the target's weights follow the online ones by
:func:`update_ema` (``xi <- decay * xi + (1 - decay) * theta``). Used by SGRL/CircuitGCL with decay
0.99.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.registry import LOSSES


@LOSSES.register("byol")
class BYOL(nn.Module):
    """Negative cosine between predictions and (stop-gradient) targets, ``2 - 2 cos``.

    Args:
        stop_gradient: no gradient through the targets.

    Shape:
        ``loss(p, z)``: (N, D) each -> scalar in [0, 4].
    """

    def __init__(self, stop_gradient: bool = True) -> None:
        super().__init__()
        self.stop_gradient = stop_gradient

    def forward(self, p: Tensor, z: Tensor) -> Tensor:
        checks.views("byol", [p, z])
        target = z.detach() if self.stop_gradient else z
        return (2 - 2 * F.cosine_similarity(p, target, dim=1)).mean()


@torch.no_grad()
def update_ema(target: nn.Module, online: nn.Module, decay: float) -> None:
    """``target <- decay * target + (1 - decay) * online``, parameters and float buffers.

    Raises:
        ValueError: decay outside [0, 1]; the two modules differ in structure.
    """
    checks.fraction("decay", decay)
    target_state, online_state = target.state_dict(), online.state_dict()
    if target_state.keys() != online_state.keys():
        raise ValueError("update_ema: target and online modules have different parameters")
    for key, value in target_state.items():
        if value.is_floating_point():
            value.lerp_(online_state[key], 1 - decay)
        else:
            value.copy_(online_state[key])
