"""Readers of one-large-graph node datasets (graphcl.data.nodes): the allow-listed unpickler,
Planetoid / gnn-benchmark / WikiCS readers on synthetic files, splits, row normalisation, and the
real files of the data mirror (``dataset`` marker; skipped without the mirror)."""

from __future__ import annotations

import collections
import fractions
import gzip
import json
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import graphcl.data.nodes as nodes
from graphcl.data.nodes import (
    NodeGraphArrays,
    canonical_edge_index,
    index_to_mask,
    load_planetoid_pickle,
    mask_to_indices,
    public_split,
    random_node_splits,
    read_gnn_benchmark,
    read_planetoid,
    read_wikics,
    row_normalize,
)
from graphcl.errors import DatasetError, UnknownNameError

# ---------------------------------------------------------------------------------------------
# helpers


def _check_canonical(arrays: NodeGraphArrays) -> None:
    src, dst = arrays.edge_index
    n = arrays.num_nodes
    assert arrays.edge_index.dtype == np.int64
    assert not np.any(src == dst), "self-loop"
    keys = src * n + dst
    assert np.all(np.diff(keys) > 0), "not sorted or duplicated"
    assert np.array_equal(np.sort(dst * n + src), keys), "not symmetric"


def _dump(path: Path, obj: Any, protocol: int = 4) -> None:
    path.write_bytes(pickle.dumps(obj, protocol=protocol))


def _one_hot(ids: list[int], num_classes: int) -> np.ndarray:
    out = np.zeros((len(ids), num_classes), dtype=np.int32)
    out[np.arange(len(ids)), ids] = 1
    return out


#: synthetic Planetoid layout: 510 allx rows (5 of them x), 4 test rows with a gap at id 513
_ALLX_ROWS, _X_ROWS = 510, 5
_TEST_INDEX = [512, 510, 514, 511]


def _write_planetoid(folder: Path, name: str = "cora") -> dict[str, Any]:
    rng = np.random.default_rng(0)
    allx = (rng.random((_ALLX_ROWS, 4)) < 0.5).astype(np.float32)
    tx = np.array([[9, 0, 0, 0], [0, 9, 0, 0], [0, 0, 9, 0], [0, 0, 0, 9]], dtype=np.float32)
    ally_ids = (np.arange(_ALLX_ROWS) % 3).tolist()
    ty_ids = [2, 1, 0, 2]
    graph: collections.defaultdict[int, list[int]] = collections.defaultdict(list)
    graph[0] += [1, 1, 0]  # duplicate and self-loop
    graph[1] += [0, 2]
    graph[513] += [512]  # one direction only: made symmetric
    graph[514] += []
    _dump(folder / f"ind.{name}.x", sp.csr_matrix(allx[:_X_ROWS]))
    _dump(folder / f"ind.{name}.tx", sp.csr_matrix(tx))
    _dump(folder / f"ind.{name}.allx", sp.csr_matrix(allx))
    _dump(folder / f"ind.{name}.y", _one_hot(ally_ids[:_X_ROWS], 3))
    _dump(folder / f"ind.{name}.ty", _one_hot(ty_ids, 3))
    _dump(folder / f"ind.{name}.ally", _one_hot(ally_ids, 3))
    _dump(folder / f"ind.{name}.graph", graph)
    (folder / f"ind.{name}.test.index").write_text("\n".join(map(str, _TEST_INDEX)) + "\n")
    return {"allx": allx, "tx": tx, "ally_ids": ally_ids, "ty_ids": ty_ids}


# ---------------------------------------------------------------------------------------------
# the allow-listed unpickler


class _Evil:
    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.sentinel}",))


def test_unpickler_refuses_a_pickle_that_would_run_a_command(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    path = tmp_path / "ind.cora.graph"
    _dump(path, _Evil(sentinel), protocol=2)
    with pytest.raises(
        DatasetError, match=r"refusing to unpickle the global (posix|os)\.system"
    ) as info:
        load_planetoid_pickle(path)
    assert str(path) in str(info.value)
    assert not sentinel.exists()


@pytest.mark.parametrize(
    ("obj", "refused"),
    [
        (collections.OrderedDict(a=1), "collections.OrderedDict"),
        (fractions.Fraction(1, 3), "fractions.Fraction"),
        (collections.defaultdict(int), "builtins.int"),
    ],
)
def test_unpickler_refuses_unexpected_globals(tmp_path: Path, obj: Any, refused: str) -> None:
    path = tmp_path / "ind.cora.x"
    _dump(path, obj)
    with pytest.raises(DatasetError, match=rf"{path}: refusing to unpickle the global {refused}"):
        load_planetoid_pickle(path)


def test_unpickler_refuses_object_arrays_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "ind.cora.y"
    _dump(path, np.array([1, "a"], dtype=object))
    with pytest.raises(DatasetError, match="holds Python objects"):
        load_planetoid_pickle(path)
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(DatasetError, match=f"{path}: not a readable pickle"):
        load_planetoid_pickle(path)


def test_unpickler_reads_python2_globals() -> None:
    # Python 2's module name for builtins, and defaultdict(list) coming back as a plain dict
    import io

    from graphcl.data.nodes import PLANETOID_GLOBALS, AllowListUnpickler

    raw = b"\x80\x02ccollections\ndefaultdict\nc__builtin__\nlist\n\x85R."
    out = AllowListUnpickler(io.BytesIO(raw), PLANETOID_GLOBALS, "mem").load()
    assert out == {} and type(out) is dict
    refused = b"\x80\x02c__builtin__\neval\n."
    with pytest.raises(
        DatasetError, match=r"mem: refusing to unpickle the global __builtin__\.eval"
    ):
        AllowListUnpickler(io.BytesIO(refused), PLANETOID_GLOBALS, "mem").load()


# ---------------------------------------------------------------------------------------------
# Planetoid on synthetic files


def test_planetoid_synthetic_reorders_test_rows_and_fills_gaps(tmp_path: Path) -> None:
    raw = _write_planetoid(tmp_path)
    arrays = read_planetoid(tmp_path, "Cora")
    n = max(_TEST_INDEX) + 1
    assert arrays.name == "Cora" and arrays.num_nodes == n and arrays.num_classes == 3
    x = arrays.dense_x()
    np.testing.assert_array_equal(x[:_ALLX_ROWS], raw["allx"])
    for k, node in enumerate(_TEST_INDEX):  # tx row k belongs to node test.index[k]
        np.testing.assert_array_equal(x[node], raw["tx"][k])
        assert arrays.y[node] == raw["ty_ids"][k]
    assert not x[513].any() and arrays.y[513] == -1  # the gap
    np.testing.assert_array_equal(arrays.y[:_ALLX_ROWS], raw["ally_ids"])
    assert arrays.edge_index.tolist() == [[0, 1, 1, 2, 512, 513], [1, 0, 2, 1, 513, 512]]
    _check_canonical(arrays)
    assert mask_to_indices(arrays.masks["train"]).tolist() == list(range(_X_ROWS))
    assert mask_to_indices(arrays.masks["valid"]).tolist() == list(range(_X_ROWS, _X_ROWS + 500))
    assert mask_to_indices(arrays.masks["test"]).tolist() == sorted(_TEST_INDEX)
    ((train, valid, test),) = public_split(arrays)
    assert (len(train), len(valid), len(test)) == (_X_ROWS, 500, 4)
    assert len(arrays.source_files) == 8


def test_planetoid_missing_file_is_named(tmp_path: Path) -> None:
    _write_planetoid(tmp_path, "citeseer")
    (tmp_path / "ind.citeseer.allx").unlink()
    with pytest.raises(DatasetError, match=r"missing file\(s\) .*ind\.citeseer\.allx"):
        read_planetoid(tmp_path, "citeseer")


def test_planetoid_unknown_name_and_bad_test_index(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match="choose one of: citeseer, cora, pubmed"):
        read_planetoid(tmp_path, "nell")
    _write_planetoid(tmp_path)
    (tmp_path / "ind.cora.test.index").write_text("512\nfive\n")
    with pytest.raises(DatasetError, match=r"ind\.cora\.test\.index:2: not an integer"):
        read_planetoid(tmp_path, "cora")


# ---------------------------------------------------------------------------------------------
# gnn-benchmark on synthetic files


def _write_npz(path: Path, class_names: np.ndarray) -> None:
    adj = sp.csr_matrix(
        (np.ones(4, dtype=np.float32), ([0, 1, 2, 2], [1, 2, 2, 0])), shape=(3, 3)
    )  # 0->1, 1->2, 2->2 (self-loop), 2->0
    attr = sp.csr_matrix(np.array([[0, 3, 0], [1, 0, 0], [0, 0, 2]], dtype=np.float32))
    with open(path, "wb") as handle:
        np.savez(
            handle,
            adj_data=adj.data,
            adj_indices=adj.indices,
            adj_indptr=adj.indptr,
            adj_shape=np.array(adj.shape),
            attr_data=attr.data,
            attr_indices=attr.indices,
            attr_indptr=attr.indptr,
            attr_shape=np.array(attr.shape),
            labels=np.array([1, 0, 1]),
            class_names=class_names,
            attr_names=np.array(["w0", "w1", "w2"]),
        )


@pytest.mark.parametrize("gzipped", [False, True])
def test_gnn_benchmark_synthetic(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / "ms_academic_cs.npz"
    _write_npz(path, np.array(["alpha", "beta"], dtype=object))  # pickled inside the npz
    if gzipped:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress((tmp_path / "ms_academic_cs.npz").read_bytes()))
    arrays = read_gnn_benchmark(path)
    assert arrays.name == "Coauthor-CS"
    assert arrays.class_names == ["alpha", "beta"] and arrays.feature_names == ["w0", "w1", "w2"]
    assert arrays.edge_index.tolist() == [[0, 0, 1, 1, 2, 2], [1, 2, 0, 2, 0, 1]]
    _check_canonical(arrays)
    np.testing.assert_array_equal(arrays.dense_x(), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    counts = read_gnn_benchmark(path, "raw", binary_features=False)
    assert counts.name == "raw" and counts.dense_x()[0, 1] == 3
    assert arrays.masks == {} and arrays.y.tolist() == [1, 0, 1]
    with pytest.raises(DatasetError, match="no published train/valid/test split"):
        public_split(arrays)


def test_gnn_benchmark_refuses_pickled_objects_and_names_missing_keys(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    _write_npz(path, np.array([fractions.Fraction(1, 2), "b"], dtype=object))
    with pytest.raises(DatasetError, match=r"class_names\.npy: refusing .* fractions\.Fraction"):
        read_gnn_benchmark(path)
    broken = tmp_path / "broken.npz"
    np.savez(broken, labels=np.zeros(3, dtype=np.int64))
    with pytest.raises(DatasetError, match=r"broken\.npz: missing key\(s\) adj_data"):
        read_gnn_benchmark(broken)
    with pytest.raises(DatasetError, match="file not found"):
        read_gnn_benchmark(tmp_path / "absent.npz.gz")


# ---------------------------------------------------------------------------------------------
# WikiCS on a synthetic data.json


def _wikics_json(path: Path) -> None:
    data = {
        "features": [[0.5, -1.0], [0.0, 0.0], [1.0, 2.0], [3.0, 0.25], [0.0, 1.0]],
        "labels": [0, 1, 1, 2, 0],
        "links": [[1, 1, 0], [2], [], [4], [3]],  # duplicate, self-loop, one-way link
        "train_masks": [[True, False, False, False, False], [False, True, False, False, False]],
        "val_masks": [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]],
        "stopping_masks": [[0, 0, 1, 0, 0], [0, 0, 1, 0, 0]],
        "test_mask": [False, False, False, True, True],
    }
    path.write_text(json.dumps(data))


def test_wikics_synthetic_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    _wikics_json(path)
    arrays = read_wikics(path)
    assert arrays.name == "WikiCS" and arrays.num_nodes == 5 and arrays.num_classes == 3
    assert arrays.edge_index.tolist() == [[0, 1, 1, 2, 3, 4], [1, 0, 2, 1, 4, 3]]
    _check_canonical(arrays)
    np.testing.assert_allclose(arrays.dense_x()[0], [0.5, -1.0])
    splits = public_split(arrays)
    assert len(splits) == 2
    assert [s[0].tolist() for s in splits] == [[0], [1]]
    assert [s[1].tolist() for s in splits] == [[1], [0]]
    assert all(s[2].tolist() == [3, 4] for s in splits)
    assert arrays.stopping_masks is not None
    assert mask_to_indices(arrays.stopping_masks[1]).tolist() == [2]
    data = arrays.to_pyg()
    assert data.train_mask.shape == (5, 2) and data.val_mask.shape == (5, 2)
    assert data.test_mask.shape == (5,) and data.stopping_mask.shape == (5, 2)
    assert data.test_mask.dtype == torch.bool


def test_wikics_errors_name_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    _wikics_json(path)
    data = json.loads(path.read_text())
    del data["stopping_masks"]
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=r"data\.json: missing key\(s\) stopping_masks"):
        read_wikics(path)
    _wikics_json(path)
    data = json.loads(path.read_text())
    data["links"][2] = [7]
    path.write_text(json.dumps(data))
    with pytest.raises(
        DatasetError, match=r"data\.json: 'links': edge endpoints must lie in 0\.\.4"
    ):
        read_wikics(path)
    data["links"][2] = []
    data["val_masks"][1] = [1, 0]
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=r"val_masks\[1\]: expected 5 booleans"):
        read_wikics(path)


# ---------------------------------------------------------------------------------------------
# splits, transforms, arrays


def test_random_node_splits_sizes_disjoint_cover_reproducible() -> None:
    for n in (1000, 1003):
        splits = random_node_splits(n, num_splits=3, seed=7)
        for train, valid, test in splits:
            assert (len(train), len(valid)) == (n // 10, n // 10)
            assert len(test) == n - 2 * (n // 10)
            everything = np.concatenate([train, valid, test])
            assert np.array_equal(np.sort(everything), np.arange(n))  # disjoint and covering
            assert all(
                np.all(np.diff(part) > 0) and part.dtype == np.int64
                for part in (train, valid, test)
            )
        again = random_node_splits(n, num_splits=5, seed=7)
        for a, b in zip(splits, again[:3], strict=True):
            assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
        assert not np.array_equal(splits[0][0], splits[1][0])
        assert not np.array_equal(splits[0][0], random_node_splits(n, 1, seed=8)[0][0])
    partial = random_node_splits(100, 1, frac=(0.2, 0.1, 0.3))[0]
    assert [len(p) for p in partial] == [20, 10, 30]
    with pytest.raises(DatasetError, match="sum to at most 1"):
        random_node_splits(10, frac=(0.5, 0.5, 0.5))
    with pytest.raises(DatasetError, match="seed must be >= 0"):
        random_node_splits(10, seed=-1)


def test_mask_helpers() -> None:
    mask = index_to_mask([3, 0], 5)
    assert mask.tolist() == [True, False, False, True, False]
    assert mask_to_indices(mask).tolist() == [0, 3]
    with pytest.raises(DatasetError, match=r"0\.\.4"):
        index_to_mask([5], 5)
    with pytest.raises(DatasetError, match="1-D bool"):
        mask_to_indices(np.array([0, 1]))


def test_row_normalize_dense_and_sparse_without_mutating() -> None:
    dense = np.array([[1.0, 3.0, 0.0], [0.0, 0.0, 0.0], [2.0, 2.0, 4.0]], dtype=np.float32)
    before = dense.copy()
    out = row_normalize(dense)
    np.testing.assert_allclose(out, [[0.25, 0.75, 0], [0, 0, 0], [0.25, 0.25, 0.5]])
    assert out.dtype == np.float32 and np.array_equal(dense, before)
    sparse = sp.csr_matrix(dense)
    normed = row_normalize(sparse)
    assert sp.issparse(normed) and normed.dtype == np.float32
    np.testing.assert_allclose(normed.toarray(), out)
    np.testing.assert_array_equal(sparse.toarray(), before)


def test_canonical_edges_and_validation() -> None:
    assert canonical_edge_index([2, 0, 0], [0, 2, 0], 3).tolist() == [[0, 2], [2, 0]]
    assert canonical_edge_index([], [], 3).shape == (2, 0)
    with pytest.raises(DatasetError, match=r"lie in 0\.\.2"):
        canonical_edge_index([0], [3], 3)
    x = sp.csr_matrix(np.eye(3, dtype=np.float32))
    with pytest.raises(DatasetError, match="both directions"):
        NodeGraphArrays(x, np.zeros(3, np.int64), np.array([[0], [1]]), 1, "toy", [])
    with pytest.raises(DatasetError, match=r"labels must lie in -1\.\.0"):
        NodeGraphArrays(x, np.array([0, 1, 0]), np.zeros((2, 0), np.int64), 1, "toy", [])


def test_all_names_resolve() -> None:
    for name in nodes.__all__:
        assert getattr(nodes, name) is not None


# ---------------------------------------------------------------------------------------------
# the real files (data mirror)

_CORA_CLASS_COUNTS = [351, 217, 418, 818, 426, 298, 180]


@pytest.mark.dataset
def test_cora_from_mirror(mirror: Path) -> None:
    cora = read_planetoid(mirror / "planetoid", "cora")
    assert (cora.num_nodes, cora.num_edges, cora.num_features, cora.num_classes) == (
        2708,
        10556,
        1433,
        7,
    )
    _check_canonical(cora)
    assert np.unique(cora.x.data).tolist() == [1.0]  # binary bag of words
    assert np.bincount(cora.y).tolist() == _CORA_CLASS_COUNTS
    assert [int(cora.masks[k].sum()) for k in ("train", "valid", "test")] == [140, 500, 1000]
    assert not (cora.masks["train"] & cora.masks["test"]).any()
    normed = row_normalize(cora.x)
    sums = np.asarray(normed.sum(axis=1)).ravel()
    np.testing.assert_allclose(sums[np.diff(cora.x.indptr) > 0], 1.0, rtol=1e-5)
    data = cora.to_pyg()
    assert data.x.dtype == torch.float32 and tuple(data.x.shape) == (2708, 1433)
    assert data.y.dtype == torch.int64 and data.edge_index.dtype == torch.int64
    assert data.train_mask.dtype == torch.bool and int(data.val_mask.sum()) == 500
    assert int(data.test_mask.sum()) == 1000 and data.num_nodes == 2708


@pytest.mark.dataset
def test_citeseer_from_mirror(mirror: Path) -> None:
    citeseer = read_planetoid(mirror / "planetoid", "citeseer")
    assert (citeseer.num_nodes, citeseer.num_edges) == (3327, 9104)
    assert (citeseer.num_features, citeseer.num_classes) == (3703, 6)
    _check_canonical(citeseer)
    missing = citeseer.y == -1  # the 15 ids absent from test.index: no features, no label
    assert int(missing.sum()) == 15
    assert np.diff(citeseer.x.indptr)[missing].max() == 0
    assert [int(citeseer.masks[k].sum()) for k in ("train", "valid", "test")] == [120, 500, 1000]
    assert not (citeseer.masks["test"] & missing).any()


@pytest.mark.dataset
def test_pubmed_in_mirror_lacks_allx(mirror: Path) -> None:
    with pytest.raises(DatasetError, match=r"missing file\(s\) .*ind\.pubmed\.allx"):
        read_planetoid(mirror / "planetoid", "pubmed")


@pytest.mark.dataset
@pytest.mark.parametrize(
    ("stem", "name", "stats"),
    [
        ("amazon_electronics_computers", "Amazon-Computers", (13752, 491722, 767, 10)),
        ("amazon_electronics_photo", "Amazon-Photo", (7650, 238162, 745, 8)),
        ("ms_academic_cs", "Coauthor-CS", (18333, 163788, 6805, 15)),
        ("ms_academic_phy", "Coauthor-Physics", (34493, 495924, 8415, 5)),
    ],
)
def test_gnn_benchmark_from_mirror(
    mirror: Path, stem: str, name: str, stats: tuple[int, int, int, int]
) -> None:
    arrays = read_gnn_benchmark(mirror / "gnn_benchmark" / f"{stem}.npz.gz")
    assert arrays.name == name
    assert (arrays.num_nodes, arrays.num_edges, arrays.num_features, arrays.num_classes) == stats
    _check_canonical(arrays)
    assert arrays.class_names is not None and len(arrays.class_names) == stats[3]
    assert np.unique(arrays.x.data).tolist() == [1.0]
    assert sorted(np.unique(arrays.y).tolist()) == list(range(stats[3]))
    assert arrays.masks == {} and arrays.split_masks is None


@pytest.mark.dataset
def test_wikics_from_mirror(mirror: Path) -> None:
    path = mirror / "wikics" / "data.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent (WikiCS data.json is not in the mirror; see SOURCES.md)")
    wikics = read_wikics(path)
    assert (wikics.num_nodes, wikics.num_features, wikics.num_classes) == (11701, 300, 10)
    assert wikics.split_masks is not None and len(wikics.split_masks) == 20
    self_loops = sum(i in js for i, js in enumerate(json.loads(path.read_text())["links"]))
    assert wikics.num_edges + self_loops == 216123  # PyG WikiCS(is_undirected=True) keeps loops
    _check_canonical(wikics)
