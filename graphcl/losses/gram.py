"""GRAM: the Gram-determinant volume of k modality vectors as a (negative) similarity.

Cicchetti et al., "Gramian Multimodal Representation Learning and Alignment", ICLR 2025. For
L2-normalised vectors ``v_1 .. v_k`` (one per modality), the volume of the parallelotope they
span is ``V = sqrt(det G)`` with ``G_ab = v_a . v_b``; aligned modalities span a small volume.
With the first modality as anchor (GRAM: text), candidates ``j`` take the other modalities of
sample ``j``:

    s_ij = -V(a_i, m^2_j, ..., m^k_j) / T
    L = 1/2 * [ mean_i CE(s_i., i) + mean_j CE(s_.j, j) ]    (anchor-to-data and data-to-anchor)

For k = 2, ``V = sin(angle)``. ``det G`` is clamped at ``eps`` before the square root so that the
gradient stays finite for (near-)collinear vectors.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


def volumes(anchors: Tensor, others: list[Tensor], eps: float) -> Tensor:
    """Volume spanned by anchor ``i`` with the other modalities of sample ``j``.

    Shape: anchors (A, D), others k - 1 tensors (C, D) -> (A, C).
    """
    rest = torch.stack(others, dim=1)  # (C, k-1, D)
    inner = rest @ rest.transpose(1, 2)  # (C, k-1, k-1), independent of the anchor
    cross = torch.einsum("ad,ckd->ack", anchors, rest)  # (A, C, k-1)
    count, size = anchors.shape[0], rest.shape[0]
    k = rest.shape[1] + 1
    gram = anchors.new_empty(count, size, k, k)
    gram[:, :, 0, 0] = (anchors * anchors).sum(1)[:, None]
    gram[:, :, 0, 1:] = cross
    gram[:, :, 1:, 0] = cross
    gram[:, :, 1:, 1:] = inner[None]
    return torch.linalg.det(gram).clamp(min=eps).sqrt()


@LOSSES.register("gram")
class GRAM(nn.Module):
    """Contrastive loss with Gram volumes over k >= 2 modalities.

    Args:
        temperature: ``T > 0``.
        eps: floor of ``det G`` before the square root.
        gather_distributed: candidates from every process.

    Shape:
        ``loss(anchor, m2, ..., mk)``: k >= 2 views (N, D) -> scalar.
    """

    def __init__(
        self, temperature: float = 0.1, eps: float = 1e-6, gather_distributed: bool = True
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        self.eps = checks.positive("eps", eps)
        self.gather_distributed = gather_distributed

    def forward(self, *views: Tensor) -> Tensor:
        checks.views("gram", views, minimum=2, samples=2)
        z = [F.normalize(v, dim=1) for v in views]
        anchor, others = z[0], z[1:]
        # anchor-to-data: local anchors against every process's data tuples
        shared = [gathered(o, self.gather_distributed)[0] for o in others]
        everyone_anchor, own = gathered(anchor, self.gather_distributed)
        to_data = -volumes(anchor, shared, self.eps) / self.temperature
        # data-to-anchor: local data tuples against every process's anchors
        to_anchor = -volumes(everyone_anchor, others, self.eps).T / self.temperature
        return (F.cross_entropy(to_data, own) + F.cross_entropy(to_anchor, own)) / 2
