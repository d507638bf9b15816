"""Attribute masking (GraphCL): replace the features of a fraction of each graph's nodes."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch_geometric.data import Batch

from graphcl.augmentation.base import Augmentation, check_ratio, rank_within_graph, uniform
from graphcl.augmentation.batch_ops import with_node_values
from graphcl.augmentation.registry import AUGMENTATIONS


@AUGMENTATIONS.register("attr_mask")
class AttrMask(Augmentation):
    """Set ``x`` of ``floor(ratio * n_i)`` random nodes of each graph to ``mask_value``.

    For categorical molecular features the mask value is the reserved mask token of every atom
    column (``atom_feature_dims[i]``); for continuous features, e.g. zeros. Each node is masked
    independently of the others (no mask shared across the batch).

    You et al., "Graph Contrastive Learning with Augmentations", NeurIPS 2020.

    Args:
        ratio: fraction of each graph's nodes to mask, in [0, 1).
        mask_value: the ``x`` row of a masked node; None gives zeros.
    """

    def __init__(self, ratio: float = 0.2, mask_value: Sequence[float] | None = None) -> None:
        self.ratio = check_ratio(ratio)
        self.mask_value = None if mask_value is None else list(mask_value)

    def __call__(self, batch: Batch, generator: torch.Generator | None = None) -> Batch:
        x = batch.x
        count = (batch.ptr.diff() * self.ratio).long()
        keys = uniform(batch.num_nodes, batch.batch, generator)
        masked = rank_within_graph(keys, batch.batch, batch.ptr) < count[batch.batch]
        if self.mask_value is None:
            token = torch.zeros(x.shape[1:], dtype=x.dtype, device=x.device)
        else:
            token = torch.tensor(self.mask_value, dtype=x.dtype, device=x.device)
        new_x = torch.where(masked.view(-1, *[1] * (x.dim() - 1)), token, x)
        return with_node_values(batch, x=new_x)
