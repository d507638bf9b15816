"""TU graph datasets: the raw-format reader, cards, splits and the accuracy metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from graphcl import augmentation
from graphcl.data import load_dataset, make_split
from graphcl.data.featurize import featurize_smiles
from graphcl.data.formats.tu import MAX_DEGREE, read_tu
from graphcl.errors import DatasetError
from graphcl.evaluation.metrics import accuracy


def _write_tu(directory: Path, name: str = "TOY", node_labels: bool = True) -> list[Path]:
    """Two graphs: a triangle 1-2-3 (listed in both directions, plus a self-loop) and a path 4-5."""
    files = {
        "A": ["1, 2", "2, 1", "2, 3", "3, 2", "1, 3", "3, 1", "2, 2", "4, 5", "5, 4"],
        "graph_indicator": ["1", "1", "1", "2", "2"],
        "graph_labels": ["-1", "1"],
        "edge_labels": ["0", "0", "1", "1", "2", "2", "0", "1", "1"],
    }
    if node_labels:
        files["node_labels"] = ["6", "6", "8", "6", "7"]
    paths = []
    for role, lines in files.items():
        path = directory / f"{name}_{role}.txt"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def test_reader_builds_undirected_pairs_with_local_ids(tmp_path) -> None:
    tu = read_tu("toy", _write_tu(tmp_path))
    graphs = tu.graphs
    assert graphs.node_counts.tolist() == [3, 2]
    assert graphs.edge_counts.tolist() == [6, 2]  # self-loop dropped, each pair once per direction
    assert graphs.edge_index.T.tolist() == [
        [0, 1],
        [1, 0],
        [0, 2],
        [2, 0],
        [1, 2],
        [2, 1],
        [0, 1],
        [1, 0],
    ]
    assert graphs.edge_attr[:, 0].tolist() == [0, 0, 2, 2, 1, 1, 1, 1]
    assert graphs.x[:, 0].tolist() == [0, 0, 2, 0, 1]  # labels 6, 7, 8 -> 0, 1, 2
    assert tu.labels[:, 0].tolist() == [0.0, 1.0] and tu.classes == [-1, 1]
    assert (tu.node_feature_dims, tu.edge_feature_dims) == ([3], [3])


def test_without_node_labels_the_degree_is_the_feature(tmp_path) -> None:
    paths = [p for p in _write_tu(tmp_path, node_labels=False) if "edge_labels" not in p.name]
    tu = read_tu("toy", paths)
    assert tu.graphs.x[:, 0].tolist() == [2, 2, 2, 1, 1]
    assert tu.node_feature_dims == [MAX_DEGREE + 1] and tu.edge_feature_dims == [1]


def test_reader_errors_name_the_file(tmp_path) -> None:
    paths = _write_tu(tmp_path)
    with pytest.raises(DatasetError, match="graph_labels"):
        read_tu("toy", [p for p in paths if "graph_labels" not in p.name])
    (tmp_path / "TOY_graph_labels.txt").write_text("0\n1\n2\n")
    with pytest.raises(DatasetError, match="3 labels for 2 graphs"):
        read_tu("toy", paths)
    (tmp_path / "TOY_graph_labels.txt").write_text("1\n1\n")
    with pytest.raises(DatasetError, match="1 classes"):
        read_tu("toy", paths)
    with pytest.raises(DatasetError, match="not a TU dataset file"):
        read_tu("toy", [*paths, tmp_path / "notes.md"])


def test_accuracy_thresholds_logits_and_skips_missing() -> None:
    y = np.array([[1.0], [0.0], [1.0], [np.nan]])
    scores = accuracy(y, np.array([[2.0], [-1.0], [-0.5], [3.0]]), ["class"])
    assert scores.value == pytest.approx(2 / 3)


@pytest.mark.dataset
def test_mutag_from_the_mirror_trains_with_every_augmentation(mirror) -> None:
    data = load_dataset("mutag", progress=False)
    # features come from the files, not from a molecular featurizer; no SMILES
    assert (len(data), data.info.featurizer, data.info.metric) == (188, None, "accuracy")
    assert data.smiles is None
    assert data.info.dims == ((7,), (4,))
    batch = data.collate(torch.arange(len(data)))
    assert batch.num_nodes == 3371 and batch.edge_index.shape[1] == 7442
    assert int(data.y.sum()) == 125  # mutagenic compounds
    for name, kwargs in [
        ("node_drop", {"ratio": 0.2}),
        ("subgraph", {"ratio": 0.2}),
        ("edge_perturb", {"ratio": 0.2, "added_attr": [5]}),
        ("attr_mask", {"ratio": 0.2, "mask_value": [7]}),
    ]:
        view = augmentation.build(name, **kwargs)(batch, torch.Generator().manual_seed(0))
        assert view.num_graphs == 188
    with pytest.raises(DatasetError, match="use split: random"):
        make_split("scaffold", data)
    assert len(make_split("random", data, seed=0).train) == 152  # 188 - 18 - 18
    with pytest.raises(ValueError, match="TU graphs"):
        featurize_smiles(["CCO"], "tu")
    with pytest.raises(DatasetError, match="molecular dataset"):
        load_dataset("bbbp", "tu", progress=False)
