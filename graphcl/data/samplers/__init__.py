"""Batch samplers from the contrastive papers behind graphcl.

- ``pseudo_label`` (G-SimCLR): no two samples of one k-means cluster in a batch;
- ``butina`` (KCL): Butina clusters of Morgan fingerprints kept together (hard negatives).

Each sampler gives the batches of an epoch as lists of dataset indices (``batches(epoch,
seed)``); the trainer uses them through ``pretrain.train.sampler`` in a recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from graphcl.data.samplers.butina import ClusterBatchSampler, butina_clusters
from graphcl.data.samplers.fingerprints import fingerprint_matrix, morgan_fingerprints
from graphcl.data.samplers.pseudo_label import PseudoLabelBatchSampler
from graphcl.registry import Registry


class BatchPlan(Protocol):
    """Anything that lays out an epoch's batches."""

    def batches(self, epoch: int, seed: int = 0) -> list[list[int]]: ...


SAMPLERS: Registry[Callable[..., BatchPlan]] = Registry("batch sampler")
SAMPLERS.register("pseudo_label")(PseudoLabelBatchSampler.from_smiles)
SAMPLERS.register("butina")(ClusterBatchSampler.from_smiles)


def build_sampler(name: str, smiles: Sequence[str], batch_size: int, **kwargs: Any) -> BatchPlan:
    """The sampler ``name`` over molecules ``smiles`` with batches of ``batch_size``."""
    return SAMPLERS.get(name)(smiles, batch_size=batch_size, **kwargs)


__all__ = [
    "SAMPLERS",
    "BatchPlan",
    "ClusterBatchSampler",
    "PseudoLabelBatchSampler",
    "build_sampler",
    "butina_clusters",
    "fingerprint_matrix",
    "morgan_fingerprints",
]
