"""Prototypical contrast with prototypes from a (semi-supervised) Gaussian mixture.

Li et al., "Prototypical Contrastive Learning of Unsupervised Representations" (PCL), ICLR 2021,
with the semi-supervised mixture of generalized category discovery (labelled samples fixed to
their class). The L2-normalised embeddings of all views are fitted by a spherical GMM (EM,
no gradient; :func:`~graphcl.losses.gmm.fit_gmm`); the normalised component means are the
prototypes ``mu_k`` and the responsibilities ``r_ik`` the targets:

    L = -1/M * sum_i sum_k r_ik * log softmax_k( z_i . mu_k / T )

so each embedding is pulled to its prototype(s) and pushed from the others. Under
``torch.distributed`` each process fits the mixture on its own batch.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.gmm import fit_gmm
from graphcl.losses.registry import LOSSES


def prototype_contrast(
    z: Tensor, prototypes: Tensor, targets: Tensor, temperature: float
) -> Tensor:
    """The loss for given prototypes and soft targets. Shape: (M, D), (K, D), (M, K) -> scalar."""
    logits = F.normalize(z, dim=1) @ F.normalize(prototypes, dim=1).T / temperature
    return -(targets * torch.log_softmax(logits, dim=1)).sum(1).mean()


@LOSSES.register("prototypical")
class Prototypical(nn.Module):
    """Contrast embeddings with GMM prototypes fitted on the batch.

    Args:
        num_prototypes: K mixture components.
        temperature: ``T > 0``.
        iterations: EM steps per call.
        seed: seeds the mixture's initial means (the loss is deterministic per batch).

    Shape:
        ``loss(z1, z2, ..., labels=None)``: views (N, D); labels (N,) in -1..K-1 (-1: unknown)
        -> scalar. Needs V * N >= K.
    """

    def __init__(
        self, num_prototypes: int = 4, temperature: float = 0.1, iterations: int = 10, seed: int = 0
    ) -> None:
        super().__init__()
        if num_prototypes < 2:
            raise ValueError(f"num_prototypes must be >= 2, got {num_prototypes}")
        self.num_prototypes = num_prototypes
        self.temperature = checks.positive("temperature", temperature)
        self.iterations = iterations
        self.seed = seed

    def forward(self, *views: Tensor, labels: Tensor | None = None) -> Tensor:
        n = checks.views("prototypical", views)
        z = torch.cat([F.normalize(v, dim=1) for v in views])
        if labels is not None:
            checks.rows("prototypical", "labels", labels, n)
            labels = labels.long().repeat(len(views))
        generator = torch.Generator().manual_seed(self.seed)
        mixture = fit_gmm(z.float(), self.num_prototypes, labels, self.iterations, generator)
        targets = mixture.responsibilities.to(z.dtype)
        return prototype_contrast(z, mixture.means.to(z.dtype), targets, self.temperature)
