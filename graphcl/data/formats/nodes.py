"""Graph formats of one-large-graph node-classification datasets: ``planetoid`` (Cora, CiteSeer,
PubMed), ``gnn_benchmark`` (Amazon-Computers/Photo, Coauthor-CS/Physics) and ``wikics``.

Each reads its raw files with :mod:`graphcl.data.nodes` (Planetoid's pickles through an
allow-list unpickler, the ``.npz`` files with ``allow_pickle=False``, WikiCS's JSON), applies the
feature processing its card names (row normalisation for Planetoid, as the papers do; none for the
others) and returns a :class:`~graphcl.data.node_dataset.NodeDataset` whose published splits
(Planetoid's public split, WikiCS's 20) are kept as ``splits["public"]``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from graphcl.data.card import DatasetCard
from graphcl.data.formats.registry import GRAPH_FORMATS
from graphcl.data.node_dataset import NodeDataset
from graphcl.data.nodes import (
    NodeGraphArrays,
    public_split,
    read_gnn_benchmark,
    read_planetoid,
    read_wikics,
    row_normalize,
)
from graphcl.errors import DatasetError

#: Feature processing a card may name.
PROCESSING = {"row_normalize": row_normalize, "none": None, None: None}


def to_node_dataset(card: DatasetCard, arrays: NodeGraphArrays) -> NodeDataset:
    """A :class:`NodeDataset` of ``arrays`` with the card's feature processing applied."""
    if card.feature_processing not in PROCESSING:
        raise DatasetError(
            f"{card.source or card.name}: feature_processing must be row_normalize or none, got "
            f"{card.feature_processing!r}"
        )
    process = PROCESSING[card.feature_processing]
    features = process(arrays.x) if process is not None else arrays.x
    x = torch.from_numpy(np.asarray(features.todense(), dtype=np.float32))
    graph = arrays.to_pyg()
    graph.x = x
    for key in ("train_mask", "val_mask", "test_mask", "stopping_mask"):
        if key in graph:
            del graph[key]
    splits = {}
    if arrays.masks or arrays.split_masks:
        splits["public"] = [
            tuple(torch.from_numpy(np.asarray(part, dtype=np.int64)) for part in triple)
            for triple in public_split(arrays)
        ]
    return NodeDataset.from_graph(
        graph,
        card.name,
        class_names=list(arrays.class_names) if arrays.class_names is not None else None,
        splits=splits,  # type: ignore[arg-type]
        feature_processing=card.feature_processing,
    )


@GRAPH_FORMATS.register("planetoid")
def load_planetoid(card: DatasetCard, paths: Sequence[Path]) -> NodeDataset:
    """Cora, CiteSeer or PubMed from its eight ``ind.<name>.*`` files (wherever each was found:
    mirror, cache or download)."""
    folders = {Path(p).parent for p in paths}
    if len(folders) == 1:
        return to_node_dataset(card, read_planetoid(folders.pop(), card.name))
    with tempfile.TemporaryDirectory(prefix="graphcl-planetoid-") as folder:
        for path in paths:  # the files came from several places: gather them by name
            (Path(folder) / Path(path).name).symlink_to(Path(path).resolve())
        return to_node_dataset(card, read_planetoid(folder, card.name))


@GRAPH_FORMATS.register("gnn_benchmark")
def load_gnn_benchmark(card: DatasetCard, paths: Sequence[Path]) -> NodeDataset:
    """An Amazon or Coauthor graph from its gnn-benchmark ``.npz`` (or the mirror's ``.npz.gz``)."""
    return to_node_dataset(card, read_gnn_benchmark(paths[0], card.title.split(" (")[0]))


@GRAPH_FORMATS.register("wikics")
def load_wikics(card: DatasetCard, paths: Sequence[Path]) -> NodeDataset:
    """WikiCS from its ``data.json``, with its 20 public splits."""
    return to_node_dataset(card, read_wikics(paths[0]))
