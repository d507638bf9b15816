"""Mini-batch loaders over a :class:`MoleculeDataset` (a ``torch.utils.data.DataLoader`` that
fetches whole batches through the dataset's vectorized ``collate``)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.utils.data import DataLoader, Subset
from torch_geometric.data import Batch

from graphcl.data.dataset import MoleculeDataset


def collate_identity(batch: Batch) -> Batch:
    """``collate_fn`` for loaders over a ``MoleculeDataset``: the dataset already built the batch
    (through ``__getitems__``)."""
    return batch


def make_loader(
    dataset: MoleculeDataset,
    indices: Sequence[int] | None = None,
    *,
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int | None = None,
    drop_last: bool = False,
    num_workers: int = 0,
    pin_memory: bool = False,
) -> DataLoader[Batch]:
    """A loader yielding ``Batch`` objects of the molecules at ``indices``.

    Args:
        dataset: the dataset.
        indices: subset to iterate (default: all molecules).
        batch_size: molecules per batch.
        shuffle: reshuffle every epoch.
        seed: seed of the shuffling generator (reproducible order).
        drop_last: drop a final incomplete batch.
        num_workers: background loading processes.
        pin_memory: page-lock batches for faster host-to-GPU copies.
    """
    source = dataset if indices is None else Subset(dataset, list(indices))
    generator = None
    if seed is not None:
        generator = torch.Generator()
        generator.manual_seed(seed)
    return DataLoader(
        source,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=generator,
        collate_fn=collate_identity,
        num_workers=num_workers,
        pin_memory=pin_memory,
    )
