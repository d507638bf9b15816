"""Cache a deterministic augmentation with the dataset: augment once, keep the graphs.

The ``element_kg`` augmentation gives the same graph every time, so its output can be stored as a
dataset of its own (a :class:`~graphcl.data.store.GraphStore` whose extra columns hold
``node_type``, ``node_entity``, ``edge_type``), saved with :meth:`MoleculeDataset.save` and
mini-batched without augmenting again. Encoders that expect augmented graphs (KMPNN) take its
batches as they are.

Example:
    >>> from graphcl.augmentation.cache import cache_augmented
    >>> kg_view = cache_augmented(dataset, ElementKGAugmentation("kcl"))  # doctest: +SKIP
    >>> kg_view.save("bbbp-kcl.pt")  # doctest: +SKIP
"""

from __future__ import annotations

import torch
from torch import Tensor

from graphcl.augmentation.base import Augmentation
from graphcl.augmentation.batch_ops import attribute_levels, edge_ptr
from graphcl.data.dataset import MoleculeDataset
from graphcl.data.store import GraphStore, compact
from graphcl.progress import progress_bar


def cache_augmented(
    dataset: MoleculeDataset,
    augmentation: Augmentation,
    batch_size: int = 1024,
    progress: bool = True,
) -> MoleculeDataset:
    """The dataset with every graph replaced by its augmented graph (labels, SMILES, info kept).

    Args:
        dataset: the molecules.
        augmentation: a deterministic augmentation (called without a generator).
        batch_size: molecules augmented at once.
        progress: show a progress bar.

    Returns:
        A dataset whose batches equal ``augmentation(dataset.collate(index))`` (node and edge
        columns beyond ``x``/``edge_attr`` come back in compact integer dtypes).
    """
    parts: dict[str, list[Tensor]] = {"x": [], "edge_index": [], "edge_attr": []}
    node_counts, edge_counts = [], []
    node_extra: dict[str, list[Tensor]] = {}
    edge_extra: dict[str, list[Tensor]] = {}
    chunks = torch.arange(len(dataset)).split(batch_size)
    for chunk in progress_bar(chunks, desc=f"caching {augmentation!r}", enabled=progress):
        view = augmentation(dataset.collate(chunk))
        eptr = edge_ptr(view)
        local = view.edge_index - view.ptr[view.batch[view.edge_index[0]]]
        parts["x"].append(view.x)
        parts["edge_index"].append(local)
        parts["edge_attr"].append(view.edge_attr)
        node_counts.append(torch.diff(view.ptr))
        edge_counts.append(torch.diff(eptr))
        node_keys, edge_keys, _ = attribute_levels(view)
        for key in node_keys:
            if key != "x":
                node_extra.setdefault(key, []).append(view[key])
        for key in edge_keys:
            if key != "edge_attr":
                edge_extra.setdefault(key, []).append(view[key])
    zero = torch.zeros(1, dtype=torch.long)
    store = GraphStore(
        x=compact(torch.cat(parts["x"])),
        edge_index=compact(torch.cat(parts["edge_index"], dim=1)),
        edge_attr=compact(torch.cat(parts["edge_attr"])),
        node_ptr=torch.cat([zero, torch.cumsum(torch.cat(node_counts), 0)]),
        edge_ptr=torch.cat([zero, torch.cumsum(torch.cat(edge_counts), 0)]),
        node_extra={k: compact(torch.cat(v)) for k, v in node_extra.items()},
        edge_extra={k: compact(torch.cat(v)) for k, v in edge_extra.items()},
    )
    return MoleculeDataset(store, dataset.y, dataset.smiles, dataset.rows, dataset.info)
