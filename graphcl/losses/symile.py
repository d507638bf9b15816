"""Symile: contrast M >= 2 modalities at once through the multilinear inner product.

Saporta et al., "Contrasting with Symile: Simple Model-Agnostic Representation Learning for
Unlimited Modalities", NeurIPS 2024. For L2-normalised modalities ``z^1 .. z^M`` (N, D) and

    MIP(x^1, ..., x^M) = sum_d prod_m x^m_d,

each modality ``m`` in turn is the anchor: anchor ``z^m_i`` scores candidate tuples of the other
modalities and the positive is the tuple of sample ``i``:

- ``n_squared`` (O(N^2) negatives per anchor for M = 3): every combination of the other
  modalities' rows, ``N^(M-1)`` candidates;
- ``n`` (O(N) negatives): N candidates; the positive tuple, and for the others the elementwise
  product of the other modalities each shuffled by its own random permutation.

    L = 1/M * sum_m mean_i CE( MIP(z^m_i, candidates) / T, positive )

With M = 2 both schemes are CLIP's InfoNCE. ``n_squared`` holds N^(M-1) x D products per
modality, so it is for small batches or M = 3. Under ``torch.distributed`` the other modalities
are gathered (``n_squared`` only; ``n`` draws its permutations per process).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES

SCHEMES = ("n", "n_squared")


def all_products(tensors: list[Tensor]) -> Tensor:
    """Elementwise products of every combination of rows, last tensor fastest.

    Shape: M tensors (N, D) -> (N^M, D).
    """
    out = tensors[0]
    for t in tensors[1:]:
        out = (out[:, None, :] * t[None, :, :]).reshape(-1, t.shape[1])
    return out


@LOSSES.register("symile")
class Symile(nn.Module):
    """Symile loss over M >= 2 modalities.

    Args:
        temperature: ``T > 0``.
        negative_sampling: ``n`` (O(N)) or ``n_squared`` (all combinations).
        gather_distributed: with ``n_squared``, candidates from every process.

    Shape:
        ``loss(z1, z2, z3, ..., generator=None)``: M >= 2 views (N, D) -> scalar. ``generator``
        seeds the permutations of the ``n`` scheme.
    """

    def __init__(
        self,
        temperature: float = 0.1,
        negative_sampling: str = "n",
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        if negative_sampling not in SCHEMES:
            raise ValueError(
                f"negative_sampling must be 'n' or 'n_squared', got {negative_sampling!r}"
            )
        self.negative_sampling = negative_sampling
        self.gather_distributed = gather_distributed

    def forward(self, *views: Tensor, generator: torch.Generator | None = None) -> Tensor:
        n = checks.views("symile", views, minimum=2, samples=2)
        z = [F.normalize(v, dim=1) for v in views]
        total = z[0].new_zeros(())
        for m, anchor in enumerate(z):
            others = z[:m] + z[m + 1 :]
            if self.negative_sampling == "n_squared":
                shared = [gathered(o, self.gather_distributed) for o in others]
                candidates = all_products([s[0] for s in shared])
                size = shared[0][0].shape[0]  # rows per modality over all processes
                own = shared[0][1]
                positive = sum(own * size**k for k in range(len(others)))
                logits = anchor @ candidates.T
            else:
                positive = torch.arange(n, device=anchor.device)
                shuffled = torch.ones_like(anchor)
                for o in others:
                    order = torch.randperm(n, generator=generator).to(anchor.device)
                    shuffled = shuffled * o[order]
                logits = anchor @ shuffled.T
                diagonal = (anchor * torch.stack(others).prod(0)).sum(1)
                logits = logits.diagonal_scatter(diagonal)
            total = total + F.cross_entropy(logits / self.temperature, positive)
        return total / len(z)
