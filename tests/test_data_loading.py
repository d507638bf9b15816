from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest
import torch

import graphcl.data.load as load_module
from graphcl.data import (
    GraphStore,
    MoleculeDataset,
    featurize_smiles,
    fetch_dataset,
    list_cards,
    load_dataset,
)
from graphcl.errors import DatasetError, UnknownNameError
from graphcl.featurization import GraphArrays


def _write(path, text: str):
    path.write_text(text)
    return path


def test_user_csv_keeps_missing_labels_as_nan(tmp_path) -> None:
    path = _write(tmp_path / "mine.csv", "smiles,a,b\nCCO,1,\nc1ccccc1,,0\nCC(=O)O,0,1\n")
    dataset = load_dataset(path, progress=False)
    assert dataset.info.task == "classification" and dataset.info.metric == "roc_auc"
    assert dataset.info.label_names == ["a", "b"]
    assert torch.isnan(dataset.y[0, 1]) and torch.isnan(dataset.y[1, 0])
    assert dataset.y[2].tolist() == [0.0, 1.0]


def test_user_csv_regression_and_column_choice(tmp_path) -> None:
    path = _write(tmp_path / "sol.csv", "id,mol,logS,junk\n1,CCO,-0.5,x\n2,CCCCO,-1.2,y\n")
    dataset = load_dataset(path, smiles_column="mol", label_columns=["logS"], progress=False)
    assert dataset.info.task == "regression" and dataset.info.metric == "rmse"
    assert dataset.smiles == ["CCO", "CCCCO"]


def test_missing_smiles_column_names_it_and_the_columns(tmp_path) -> None:
    path = _write(tmp_path / "bad.csv", "structure,y\nCCO,1\n")
    with pytest.raises(DatasetError, match="no SMILES column 'smiles'; columns are: structure, y"):
        load_dataset(path, progress=False)


def test_non_numeric_labels_are_an_error(tmp_path) -> None:
    path = _write(tmp_path / "bad.csv", "smiles,y\nCCO,active\n")
    with pytest.raises(DatasetError, match="numeric"):
        load_dataset(path, progress=False)


def test_unknown_dataset_lists_the_valid_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        load_dataset("bbbbp", progress=False)
    message = str(info.value)
    assert "unknown dataset 'bbbbp'" in message
    for name in ("bbbp", "tox21", "chembl2321810", "zinc250k"):
        assert name in message


def test_rejected_rows_are_counted_written_and_warned(tmp_path) -> None:
    path = _write(tmp_path / "mixed.csv", "smiles,y\nCCO,1.0\nC1CC,2.0\nc1ccccc1,3.0\nXyz,4.0\n")
    with pytest.warns(UserWarning, match="skipped 2 of 4 records") as record:
        dataset = load_dataset(path, progress=False)
    assert len(dataset) == 2 and dataset.rows == [0, 2]
    assert dataset.y[:, 0].tolist() == [1.0, 3.0]
    rejects_path = str(record[0].message).rsplit("see ", 1)[1]
    with open(rejects_path) as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["line"], r["smiles"]) for r in rows] == [
        ("1", "3", "C1CC"),
        ("3", "5", "Xyz"),
    ]
    assert "syntax" in rows[0]["reason"]
    with pytest.warns(UserWarning, match="skipped 2 of 4 records"):
        assert len(load_dataset(path, progress=False)) == 2  # cached, still reported


def test_second_load_reads_the_cache(tmp_path, monkeypatch) -> None:
    path = _write(tmp_path / "cached.csv", "smiles,y\nCCO,1\nCCN,2\n")
    first = load_dataset(path, progress=False)

    def fail(*args, **kwargs):
        raise AssertionError("featurized again instead of reading the cache")

    monkeypatch.setattr(load_module, "featurize_smiles", fail)
    second = load_dataset(path, progress=False)
    assert second.smiles == first.smiles and torch.equal(second.store.x, first.store.x)
    # a different featurizer or changed content is a different cache entry
    with pytest.raises(AssertionError, match="featurized again"):
        load_dataset(path, "rich", progress=False)
    _write(path, "smiles,y\nCCO,1\nCCN,3\n")
    with pytest.raises(AssertionError, match="featurized again"):
        load_dataset(path, progress=False)


def test_parallel_featurization_equals_serial(nci_smiles: list[str]) -> None:
    smiles = nci_smiles[:900]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        serial = featurize_smiles(smiles, workers=1, chunk_size=100, progress=False)
        parallel = featurize_smiles(smiles, workers=2, chunk_size=100, progress=False)
    assert serial.kept == parallel.kept
    assert [r.row for r in serial.rejects] == [r.row for r in parallel.rejects]
    for name, value in serial.store.state().items():
        assert torch.equal(value, parallel.store.state()[name]), name


def test_embedded_chembl_set_loads_without_download() -> None:
    dataset = load_dataset("chembl2321810", progress=False)
    assert len(dataset) == 1017 and dataset.num_tasks == 1
    assert dataset.info.task == "regression" and dataset.info.units.startswith("pIC50")
    assert torch.isfinite(dataset.y).all() and 3 < float(dataset.y.mean()) < 10
    assert dataset.info.source[0]["path"].endswith("CHEMBL2321810.smi")


def test_dataset_save_load_roundtrip(tmp_path) -> None:
    dataset = load_dataset("chembl2321810", progress=False)
    dataset.save(tmp_path / "d.pt")
    again = MoleculeDataset.load(tmp_path / "d.pt")
    assert again.smiles == dataset.smiles and again.info == dataset.info
    assert torch.equal(again.y, dataset.y)
    data = again[5]
    assert data.y.shape == (1, 1) and data.smiles == dataset.smiles[5]


@pytest.mark.dataset
def test_every_mirrored_file_matches_its_card_digest(mirror) -> None:
    from graphcl.circuits import PUBLISHED_DESIGNS

    # circuit designs hosted outside git that no one has checked a copy of (no digest known):
    # their cards name where a mirror copy goes, but the mirror holds none
    unobtained = {key for key, design in PUBLISHED_DESIGNS.items() if design.sha256 is None}
    unmirrored = set()
    for name, card in list_cards().items():
        if name in unobtained or any(
            spec.mirror is None and spec.embedded is None for spec in card.files
        ):
            unmirrored.add(name)  # a file the mirror lacks (shared/data/README.md): downloaded
            continue
        for path, digest in fetch_dataset(name, progress=False):
            assert len(digest) == 64, name
            assert path.is_file()
        assert card.num_tasks is not None or card.num_classes is not None, name
    assert unmirrored == {"pubmed", "wikics"} | (unobtained & set(list_cards()))


@pytest.mark.dataset
@pytest.mark.parametrize(
    ("name", "molecules", "tasks", "task"),
    [
        ("bbbp", 2039, 1, "classification"),
        ("bace", 1513, 1, "classification"),
        ("clintox", 1478, 2, "classification"),
        ("tox21", 7823, 12, "classification"),
        ("sider", 1427, 27, "classification"),
        ("toxcast", 8576, 617, "classification"),
        ("esol", 1128, 1, "regression"),
        ("freesolv", 642, 1, "regression"),
        ("lipophilicity", 4200, 1, "regression"),
    ],
)
def test_moleculenet_datasets_from_the_mirror(mirror, name, molecules, tasks, task) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = load_dataset(name, progress=False)
    assert (len(dataset), dataset.num_tasks, dataset.info.task) == (molecules, tasks, task)
    labels = dataset.y[~torch.isnan(dataset.y)]
    if task == "classification":
        assert set(labels.unique().tolist()) <= {0.0, 1.0}
    if name in ("tox21", "toxcast"):
        assert torch.isnan(dataset.y).any()  # missing labels stay missing


@pytest.mark.dataset
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "molecules"), [("hiv", 41120), ("muv", 93087), ("zinc250k", 249455)]
)
def test_large_datasets_from_the_mirror(mirror, name, molecules) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = load_dataset(name, progress=False)
    assert len(dataset) == molecules


def test_graph_store_pack_and_compact_dtypes() -> None:
    graphs = GraphArrays(
        x=np.array([[1, 2], [3, 4], [5, 6]]),
        edge_index=np.array([[0, 1], [1, 0]]),
        edge_attr=np.array([[0], [0]]),
        node_counts=np.array([2, 1]),
        edge_counts=np.array([2, 0]),
    )
    store = GraphStore.from_arrays(graphs)
    assert store.x.dtype == torch.uint8 and len(store) == 2
    assert store.node_ptr.tolist() == [0, 2, 3] and store.edge_ptr.tolist() == [0, 2, 2]
    assert store.get(1).x.tolist() == [[5, 6]]
