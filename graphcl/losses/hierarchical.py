"""Hierarchical multi-level contrast (COMET).

Wang et al., "Contrast Everything: A Hierarchical Contrastive Framework for Medical Time-Series",
NeurIPS 2023. The loss is a weighted sum of contrastive terms at several levels, each level with
its own positive groups (COMET: observation, sample, trial, patient; for molecules: the two views
of one molecule, then molecules sharing a scaffold, ...):

    L = sum_k lambda_k * L_k,    L_k = SupCon over all views with the level-k group ids

Level 0 is always the instance level (positives: the other views of the same sample, SimCLR's
NT-Xent); ``labels[:, k - 1]`` gives the group ids of level k. A level in which no anchor has a
positive in the batch contributes 0 (a batch may hold no two molecules of one scaffold).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from graphcl.losses import checks
from graphcl.losses.distributed import world
from graphcl.losses.registry import LOSSES
from graphcl.losses.supcon import SupCon


@LOSSES.register("hierarchical")
class Hierarchical(nn.Module):
    """Weighted sum of SupCon terms at the instance level and each label level.

    Args:
        temperature: ``T > 0`` of every level.
        weights: ``lambda_k`` for the instance level and each label column (None: all 1).
        chunk_size: passed to each level's SupCon (None: dense).
        gather_distributed: contrast with every process's embeddings and labels.

    Shape:
        ``loss(z1, z2, ..., labels=y)``: views (N, D); y (N, L) integer group ids, one column per
        level above the instance (or (N,) for one level) -> scalar.
    """

    def __init__(
        self,
        temperature: float = 0.1,
        weights: Sequence[float] | None = None,
        chunk_size: int | None = None,
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        self.supcon = SupCon(temperature, chunk_size, gather_distributed)
        if weights is not None and any(w < 0 for w in weights):
            raise ValueError(f"hierarchical weights must be >= 0, got {list(weights)}")
        self.weights = None if weights is None else [float(w) for w in weights]

    def forward(self, *views: Tensor, labels: Tensor) -> Tensor:
        n = checks.views("hierarchical", views, samples=2)
        levels = labels.view(n, -1) if labels.dim() == 1 else labels
        checks.rows("hierarchical", "labels", levels, n)
        rank = world()[0] if self.supcon.gather_distributed else 0
        instance = rank * n + torch.arange(n, device=levels.device)  # unique across processes
        ids = [instance, *levels.long().unbind(1)]
        weights = self.weights or [1.0] * len(ids)
        if len(weights) != len(ids):
            raise ValueError(
                f"hierarchical: {len(weights)} weights for {len(ids)} levels (instance + "
                f"{len(ids) - 1} label columns)"
            )
        total = views[0].new_zeros(())
        for weight, level in zip(weights, ids, strict=True):
            terms = self.supcon.terms(*views, labels=level)
            if terms.numel():
                total = total + weight * terms.mean()
        return total
