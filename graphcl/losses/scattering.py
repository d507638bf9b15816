"""Representation scattering (SGRL), the self-supervised part of CircuitGCL.

He et al., "Exploitation of a Latent Mechanism in Graph Contrastive Learning: Representation
Scattering", NeurIPS 2024; used by Shen et al. (CircuitGCL, 2025). Augmentation-free: the
L2-normalised embeddings are pushed away from their mean,

    L = -1/N * sum_i || z_i - z_bar ||^2,     z_bar = 1/N * sum_i z_i

which equals ``||z_bar||^2 - 1``: minimal (-1) when the embeddings are spread so their mean is 0.
Under ``torch.distributed`` the mean is over every process's embeddings (with gradient), so the
loss equals the single-process loss on the concatenated batch.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.distributed import all_reduce_with_grad, world
from graphcl.losses.registry import LOSSES


@LOSSES.register("scattering")
class Scattering(nn.Module):
    """Negative mean squared distance of normalised embeddings to their mean.

    Args:
        gather_distributed: take the mean over every process's embeddings.

    Shape:
        ``loss(z)``: (N, D) -> scalar.

    Example:
        >>> z = torch.eye(4)  # orthonormal: mean (1/4, ...), loss = 1/4 - 1
        >>> Scattering()(z).item()
        -0.75
    """

    def __init__(self, gather_distributed: bool = True) -> None:
        super().__init__()
        self.gather_distributed = gather_distributed

    def forward(self, z: Tensor) -> Tensor:
        n = checks.views("scattering", [z])
        unit = F.normalize(z, dim=1)
        total, count = unit.sum(0), n
        if self.gather_distributed and world()[1] > 1:
            total, count = all_reduce_with_grad(total), n * world()[1]
        mean = total / count
        return -(unit - mean).pow(2).sum(1).mean()
