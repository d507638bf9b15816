"""Gaussian feature noise on continuous node features."""

from __future__ import annotations

import torch
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation
from graphcl.augmentation.batch_ops import with_node_values
from graphcl.augmentation.registry import AUGMENTATIONS


@AUGMENTATIONS.register("feature_noise")
class FeatureNoise(Augmentation):
    """Add ``N(0, std^2)`` noise to every entry of ``x`` (continuous features only).

    Args:
        std: standard deviation of the noise, in units of the features.

    Raises:
        ValueError: ``std < 0``; at call time, ``x`` is not floating point (categorical features,
            such as the molecular ones, need ``attr_mask`` instead).
    """

    def __init__(self, std: float = 0.1) -> None:
        if std < 0:
            raise ValueError(f"std must be >= 0, got {std}")
        self.std = float(std)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        x = batch.x
        if not x.is_floating_point():
            raise ValueError(
                f"feature_noise needs floating-point node features, x is {x.dtype} "
                "(use attr_mask for categorical features)"
            )
        device = generator.device if generator is not None else x.device
        noise = torch.randn(x.shape, generator=generator, device=device, dtype=x.dtype)
        return with_node_values(batch, x=x + self.std * noise.to(x.device))
