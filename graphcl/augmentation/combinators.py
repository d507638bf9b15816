"""Combinators: identity, composition, and a random choice per view."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation, uniform
from graphcl.augmentation.registry import AUGMENTATIONS


@AUGMENTATIONS.register("identity")
class Identity(Augmentation):
    """The unchanged batch (the same object: augmentations never modify their input)."""

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        return batch


@AUGMENTATIONS.register("compose")
class Compose(Augmentation):
    """Apply ``augmentations`` one after the other, with the same generator.

    Args:
        augmentations: the steps, in order.
    """

    def __init__(self, augmentations: Sequence[Augmentation]) -> None:
        if not augmentations:
            raise ValueError("compose needs at least one augmentation")
        self.augmentations = list(augmentations)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        for augmentation in self.augmentations:
            batch = augmentation(batch, generator)
        return batch


@AUGMENTATIONS.register("random_choice")
class RandomChoice(Augmentation):
    """Apply one of ``augmentations``, chosen at random for each call (each view), as GraphCL's
    "random" augmentation mode.

    Args:
        augmentations: the candidates.
        weights: relative probabilities (default: uniform).
    """

    def __init__(
        self, augmentations: Sequence[Augmentation], weights: Sequence[float] | None = None
    ) -> None:
        if not augmentations:
            raise ValueError("random_choice needs at least one augmentation")
        if weights is not None and (len(weights) != len(augmentations) or min(weights) < 0):
            raise ValueError("weights must be one non-negative number per augmentation")
        self.augmentations = list(augmentations)
        self.weights = list(weights) if weights is not None else [1.0] * len(augmentations)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        cumulative = torch.tensor(self.weights, dtype=torch.float64).cumsum(0)
        draw = float(uniform(1, cumulative, generator)) * float(cumulative[-1])
        index = min(int(torch.searchsorted(cumulative, draw, right=True)), len(self.weights) - 1)
        return self.augmentations[index](batch, generator)
