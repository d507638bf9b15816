"""CLIP-style two-modality InfoNCE with a fixed, learnable or adaptive temperature.

Radford et al., "Learning Transferable Visual Models From Natural Language Supervision", ICML
2021: for L2-normalised paired embeddings ``a_i, b_i`` and logits ``s_ij = a_i . b_j / T``,

    L = 1/2 * [ mean_i CE(s_i., i) + mean_j CE(s_.j, j) ]

Temperature modes:

- ``fixed``: ``T`` as given;
- ``learnable``: ``1/T = exp(t)`` with a parameter ``t`` initialised at ``log(1/T)`` and the scale
  clipped at ``max_scale`` (CLIP: 100);
- ``adaptive``: a temperature per pair from its cosine similarity, as in CLSR's adaptive
  temperature control: near-duplicates (cosine near 1, likely false negatives) and already
  opposite pairs get a larger temperature (a softer push), pairs in between a smaller one. We
  use the cosine schedule of Manna et al. (DySTreSS, 2023),
  ``T_ij = T_min + (T_max - T_min)/2 * (1 + cos(pi * (1 + s_ij)))``, computed without gradient;
  CLSR's own schedule is not published in a form we could check.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES

MODES = ("fixed", "learnable", "adaptive")


def adaptive_temperature(cosine: Tensor, low: float, high: float) -> Tensor:
    """DySTreSS schedule: ``high`` at cosine -1 and 1, ``low`` at cosine 0. Shape: any."""
    return low + (high - low) / 2 * (1 + torch.cos(math.pi * (1 + cosine)))


@LOSSES.register("clip")
class CLIP(nn.Module):
    """Symmetric InfoNCE between two modalities.

    Args:
        temperature: ``T > 0`` (the initial value when learnable; ``T_min`` when adaptive).
        temperature_mode: ``fixed``, ``learnable`` or ``adaptive``.
        max_temperature: ``T_max`` of the adaptive mode.
        max_scale: upper clip of ``1/T`` in the learnable mode.
        gather_distributed: candidates from every process.

    Shape:
        ``loss(a, b)``: (N, D) each, row i of both the same pair -> scalar.
    """

    def __init__(
        self,
        temperature: float = 0.07,
        temperature_mode: str = "fixed",
        max_temperature: float = 0.5,
        max_scale: float = 100.0,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.temperature = checks.positive("temperature", temperature)
        if temperature_mode not in MODES:
            raise ValueError(
                f"temperature_mode must be one of {', '.join(MODES)}, got {temperature_mode!r}"
            )
        self.temperature_mode = temperature_mode
        self.max_temperature = checks.positive("max_temperature", max_temperature)
        if temperature_mode == "adaptive" and max_temperature < temperature:
            raise ValueError(
                f"max_temperature ({max_temperature}) must be >= temperature ({temperature})"
            )
        self.max_scale = checks.positive("max_scale", max_scale)
        self.gather_distributed = gather_distributed
        if temperature_mode == "learnable":
            self.log_scale = nn.Parameter(torch.tensor(math.log(1 / temperature)))

    def scale(self, cosine: Tensor) -> Tensor:
        """``1/T`` for a matrix of cosines (a scalar unless adaptive)."""
        if self.temperature_mode == "learnable":
            return self.log_scale.exp().clamp(max=self.max_scale)
        if self.temperature_mode == "adaptive":
            with torch.no_grad():
                t = adaptive_temperature(cosine, self.temperature, self.max_temperature)
            return 1 / t
        return cosine.new_tensor(1 / self.temperature)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        checks.views("clip", [a, b], minimum=2, samples=2)
        a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
        total = a.new_zeros(())
        for anchors, others in ((a, b), (b, a)):
            candidates, own = gathered(others, self.gather_distributed)
            cosine = anchors @ candidates.T
            total = total + F.cross_entropy(cosine * self.scale(cosine), own)
        return total / 2
